"""Cases' part in the read-log safety net (casework.core.read_log): URL arguments that name a case,
or a record of a case, and how a page about one is logged as a consultation of the case."""

from __future__ import annotations

from typing import Any

from django.db.models import Model

from casework.cases import services
from casework.cases.models import Case, CaseDocument, Charge, Defendant, Hearing
from casework.core import read_log


def case_page_consulted(reader: Any, case_id: int, purpose: str, noted: frozenset[str]) -> None:
    """Log a consultation of a case a page showed, unless already logged or not the reader's to see."""
    if f"case:{case_id}" in noted:
        return
    visible = Case.objects.visible_to(reader).filter(pk=case_id).values_list("pk", flat=True)
    if visible.exists():
        services.cases_consulted(actor=reader, purpose=purpose, case_ids=[case_id])


def register_case_record(argument: str, model: type[Model], case_path: str) -> None:
    """URLs whose `argument` names a `model` record belonging to a case (`case_path` leads to it)."""

    def log(reader: Any, object_id: int, purpose: str, noted: frozenset[str]) -> None:
        case_id = model._default_manager.filter(pk=object_id).values_list(case_path, flat=True).first()
        if case_id is not None:
            case_page_consulted(reader, case_id, purpose, noted)

    read_log.register(argument, log)


def register() -> None:
    read_log.register("case_id", case_page_consulted)
    register_case_record("defendant_id", Defendant, "case_id")
    register_case_record("charge_id", Charge, "defendant__case_id")
    register_case_record("hearing_id", Hearing, "case_id")
    register_case_record("document_id", CaseDocument, "case_id")
