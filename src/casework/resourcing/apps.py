from django.apps import AppConfig


class ResourcingConfig(AppConfig):
    name = "casework.resourcing"
    label = "resourcing"
    verbose_name = "Resourcing (REM)"

    case_page_panels = {"overview": "resourcing/_case_panel_hook.html"}

    # The REM currency assurance rule (its row from migration 0003_assurance_rule names the evaluator).
    assurance_evaluators = {"rem_record_current": "casework.resourcing.assurance.rem_record_current"}
    assurance_facts = {"rem": "casework.resourcing.selectors.assurance_facts"}
