from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casework.cases"
    label = "cases"
    verbose_name = "Case register"

    case_list_sorts = ("casework.cases.list_sorts.NEXT_HEARING",)
    # A changed case is due for every nightly sweep again (casework.cases.sweep_marks).
    case_change_listeners = ("casework.cases.sweep_marks.inputs_changed",)
    # The audit trail asks which cases a unit holds and which case a URN names (audit.case_lookups).
    audit_case_lookups = {
        "unit_case_ids": "casework.cases.audit_lookups.unit_case_ids",
        "case_by_reference": "casework.cases.audit_lookups.case_by_reference",
    }

    def ready(self) -> None:
        # Pages about a case are consultations of it, logged even if a view forgets (core.read_log).
        from casework.cases import read_log

        read_log.register()
