import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import Every, ScheduleEntry


class NotificationsConfig(AppConfig):
    name = "casework.notifications"
    label = "notifications"
    verbose_name = "E-mail notifications"

    schedule = (
        ScheduleEntry(
            name="email-delivery",
            task_path="casework.notifications.tasks.deliver_due_emails_task",
            cadence=Every(dt.timedelta(minutes=1)),
            purpose="Send queued e-mails that missed their task and retry failed ones with back-off.",
        ),
    )
