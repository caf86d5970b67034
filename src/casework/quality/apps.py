import datetime as dt

from django.apps import AppConfig

from casework.core.schedule import DailyAt, Every, ScheduleEntry


class QualityConfig(AppConfig):
    name = "casework.quality"
    label = "quality"
    verbose_name = "Individual quality assessments"

    # The IQA assurance rules (rows from migration 0002_assurance_rules name these evaluators).
    assurance_evaluators = {
        "iqa_quota": "casework.quality.assurance.iqa_quota",
        "iqa_feedback_timely": "casework.quality.assurance.iqa_feedback_timely",
    }
    assurance_facts = {"iqa": "casework.quality.selectors.assurance_facts"}

    schedule = (
        ScheduleEntry(
            name="iqa-reminders",
            task_path="casework.quality.tasks.iqa_reminders_task",
            cadence=DailyAt(dt.time(7, 0)),
            purpose="E-mail a reminder for each quality assessment step gone overdue (once per step).",
        ),
        ScheduleEntry(
            name="iqa-analytics",
            task_path="casework.quality.tasks.iqa_analytics_refresh_task",
            cadence=Every(dt.timedelta(hours=1)),
            purpose="Work out the IQA analytics of each national, area and unit scope, which their pages read.",
        ),
    )
