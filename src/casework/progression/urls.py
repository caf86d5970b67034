from django.urls import path

from casework.progression import views

app_name = "progression"
urlpatterns = [
    path("cases/<int:case_id>/", views.case_progression, name="case"),
    path("cases/<int:case_id>/recalculate/", views.case_recalculate, name="recalculate"),
    path("cases/<int:case_id>/clocks/new/", views.ClockOpenView.as_view(), name="clock_open"),
    path("cases/<int:case_id>/clocks/<int:clock_id>/events/new/", views.ClockEventView.as_view(), name="clock_event"),
    path("cases/<int:case_id>/clocks/<int:clock_id>/check/", views.DualCheckView.as_view(), name="clock_check"),
    path(
        "cases/<int:case_id>/clocks/<int:clock_id>/extension/",
        views.ExtensionStartView.as_view(),
        name="extension_start",
    ),
    path("cases/<int:case_id>/ctl-log/new/", views.CtlLogAddView.as_view(), name="ctl_log_add"),
    path("cases/<int:case_id>/deadlines/<int:deadline_id>/met/", views.DeadlineMetView.as_view(), name="deadline_met"),
    path(
        "cases/<int:case_id>/deadlines/<int:deadline_id>/missed/",
        views.DeadlineMissedView.as_view(),
        name="deadline_missed",
    ),
    path(
        "cases/<int:case_id>/deadlines/<int:deadline_id>/direct/",
        views.DeadlineDirectView.as_view(),
        name="deadline_direct",
    ),
    path("cases/<int:case_id>/directions/new/", views.DirectionAddView.as_view(), name="direction_add"),
    path("cases/<int:case_id>/tasks/new/", views.CaseTaskCreateView.as_view(), name="case_task_add"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("tasks/export.csv", views.my_tasks, {"export": True}, name="tasks_export"),
    path("tasks/new/", views.task_create, name="task_add"),
    path("tasks/<int:task_id>/complete/", views.task_complete, name="task_complete"),
    path("notices/", views.notices, name="notices"),
    path("notices/export.csv", views.notices, {"export": True}, name="notices_export"),
    path("notices/read/", views.notices_mark_read, name="notices_read"),
    path("board/", views.unit_board, name="board"),
    path("board/export.csv", views.unit_board, {"export": True}, name="board_export"),
    path("ctl-calculator/", views.ctl_calculator, name="ctl_calculator"),
    path("ctl-calculator/ready-reckoner/", views.ctl_reckoner, name="ctl_reckoner"),
    path("calendar/", views.calendar_feed, name="calendar"),
    path("calendar/<str:token>.ics", views.calendar_ics, name="calendar_ics"),
]
