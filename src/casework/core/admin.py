"""The background task list, for administrators: when and how each task ran, not what it carried.

django-tasks-db's own admin shows a task's arguments, return value and traceback, which can name
cases and people. Administrators see configuration, users and security events, never case
content, so this admin shows the task's name, status and timings only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

#: Fields that may hold case content (arguments, results, error text).
CONTENT_FIELDS = frozenset({"args_kwargs", "return_value", "traceback", "formatted_traceback"})

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [name for name in super().get_readonly_fields(request, obj) if name not in CONTENT_FIELDS]
