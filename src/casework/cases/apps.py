from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casework.cases"
    label = "cases"
    verbose_name = "Case register"

    case_list_sorts = ("casework.cases.list_sorts.NEXT_HEARING",)
