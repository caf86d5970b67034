from django.apps import AppConfig


class ProgressionConfig(AppConfig):
    name = "casework.progression"
    label = "progression"
    verbose_name = "Case progression"

    def ready(self) -> None:
        # Pages about a clock, deadline or task show its case: a consultation (core.read_log).
        from casework.cases.read_log import register_case_record
        from casework.progression.models import CustodyClock, Deadline, Task

        register_case_record("clock_id", CustodyClock, "case_id")
        register_case_record("deadline_id", Deadline, "case_id")
        register_case_record("task_id", Task, "case_id")
