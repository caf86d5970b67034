"""Evidence packs: PDF and ZIP contents, inclusion proofs that check against the signed checkpoint,
the `disclose` event with justification and recipient, and who may produce one."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pikepdf
import pytest
from django.urls import reverse

from casework.audit import merkle
from casework.audit.checkpoints import checkpoint_create
from casework.audit.models import AuditEvent
from casework.cases import services as case_services
from casework.core import clock
from casework.oversight import services
from tests.oversight.conftest import FORMULA

pytestmark = pytest.mark.django_db

PACK_FORM = {"justification": "HMCPSI inspection 2026", "recipient": "HMCPSI lead inspector"}


@pytest.fixture(autouse=True)
def audit_paths(settings, tmp_path):
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    settings.AUDIT_SIGNING_KEY_FILE = tmp_path / "keys" / "key.pem"


def test_pdf_pack_is_a_pdf_and_records_a_disclosure(client_as, known):
    one = known["one"]
    response = client_as("hq").post(reverse("oversight:pack_case", args=[one.pk]), {**PACK_FORM, "fmt": "pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    event = AuditEvent.objects.filter(action="disclose", case_id=one.pk).get()
    assert (event.justification, event.recipient) == (PACK_FORM["justification"], PACK_FORM["recipient"])
    assert "Evidence pack (PDF)" in event.subject_label


def test_zip_pack_holds_events_with_proofs_that_verify(client_as, known):
    two = known["two"]
    checkpoint = checkpoint_create()
    response = client_as("inspector").post(reverse("oversight:pack_case", args=[two.pk]), {**PACK_FORM, "fmt": "zip"})
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    manifest = json.loads(archive.read("manifest.json"))
    events = [json.loads(line) for line in archive.read("events.jsonl").decode().splitlines()]
    proofs = {p["seq"]: p for p in json.loads(archive.read("proofs.json"))}
    head = json.loads(archive.read("checkpoint.json"))
    assert manifest["cases"] == [{"id": two.pk, "urn": two.urn}]
    assert events and all(e["case_id"] == two.pk for e in events)
    assert any(FORMULA in e["subject_label"] for e in events)  # the case's own collect event
    assert head["tree_size"] == checkpoint.tree_size and set(proofs) == {e["seq"] for e in events}
    for event in events:
        assert merkle.verify_inclusion(
            leaf_data=event["hash"].encode(),
            index=event["seq"] - 1,
            size=head["tree_size"],
            proof=[bytes.fromhex(step) for step in proofs[event["seq"]]["audit_path"]],
            root_hash=bytes.fromhex(head["root_hash"]),
        )
    assert AuditEvent.objects.filter(action="disclose", case_id=two.pk, recipient=PACK_FORM["recipient"]).exists()


def test_sample_pack_discloses_each_case(client_as, personas, known):
    sample = services.sample_draw(actor=personas.inspector, title="T", seed="s", per_unit=2)
    case_ids = set(sample.files.values_list("case_id", flat=True))
    response = client_as("inspector").post(
        reverse("oversight:pack_sample", args=[sample.pk]), {**PACK_FORM, "fmt": "pdf"}
    )
    assert response.status_code == 200
    assert set(AuditEvent.objects.filter(action="disclose").values_list("case_id", flat=True)) == case_ids


def test_a_pack_needs_justification_and_recipient(client_as, known):
    response = client_as("hq").post(reverse("oversight:pack_case", args=[known["one"].pk]), {"fmt": "pdf"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(action="disclose").exists()


@pytest.mark.parametrize("persona", ["prosecutor_a", "paralegal_a", "prosecutor_b", "police_x", "police_y", "admin"])
def test_pack_is_404_for_non_oversight_roles(client_as, known, persona):
    url = reverse("oversight:pack_case", args=[known["one"].pk])
    assert client_as(persona).get(url).status_code == 404
    assert client_as(persona).post(url, {**PACK_FORM, "fmt": "pdf"}).status_code == 404


def test_pack_is_404_for_a_manager_of_another_unit(client_as, known):
    assert client_as("manager_a").get(reverse("oversight:pack_case", args=[known["b"].pk])).status_code == 404
    assert client_as("manager_a").get(reverse("oversight:pack_case", args=[known["one"].pk])).status_code == 200


# --- the PDF is an accessible, tagged document ------------------------------------------------------


def _pdf_for(client_as, case, name: str = "hq") -> bytes:
    response = client_as(name).post(reverse("oversight:pack_case", args=[case.pk]), {**PACK_FORM, "fmt": "pdf"})
    assert response.status_code == 200
    return response.content


def _struct_types(element, found: list[str]) -> list[str]:
    kids = element.get("/K")
    if kids is None:
        return found
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append(str(kid["/S"]))
            _struct_types(kid, found)
    return found


def test_pdf_pack_is_tagged_with_language_structure_and_marked_content(client_as, known, personas):
    case = known["one"]
    case_services.case_update(
        actor=personas.manager_a,
        case=case,
        expected_version=case.version,
        operation_name="Operation “Quayside” – Ōmura’s café",
    )
    pdf = pikepdf.open(io.BytesIO(_pdf_for(client_as, case)))
    root = pdf.Root
    assert str(root.Lang) == "en-GB"
    assert bool(root.MarkInfo.Marked) is True
    assert bool(root.ViewerPreferences.DisplayDocTitle) is True
    assert "/StructTreeRoot" in root
    types = _struct_types(root.StructTreeRoot, [])
    assert types[0] == "/Document"
    assert {"/H1", "/H2", "/H3", "/P"} <= set(types)
    # Every page's text sits in marked content tied to the tree (and page numbers are artifacts).
    for page in pdf.pages:
        assert "/StructParents" in page.obj
        content = page.obj.Contents.read_bytes()
        assert b"BDC" in content and b"/MCID" in content and b"/Artifact BMC" in content
    assert str(pdf.docinfo["/Title"]) == f"Evidence pack: {case.urn}"


def test_pdf_pack_text_reads_in_plain_english(client_as, known):
    text = _pdf_text(_pdf_for(client_as, known["one"]))
    assert "undecided" not in text and "Met met" not in text
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text), "dates are written out, not ISO"
    months = "January|February|March|April|May|June|July|August|September|October|November|December"
    assert re.search(rf"\b\d{{1,2}} ({months}) \d{{4}}\b", text)
    assert "missed (Internal (CPS))" in text


def _pdf_text(body: bytes) -> str:
    """The text of the PDF, read through its ToUnicode maps (fonts are subset and embedded)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_pdf_keeps_curly_quotes_and_accents(client_as, known, personas):
    case = known["two"]
    case_services.case_update(
        actor=personas.manager_a, case=case, expected_version=case.version, operation_name="“Quayside” – Ōmura’s café"
    )
    text = _pdf_text(_pdf_for(client_as, case))
    assert "“Quayside” – Ōmura’s café" in text


def test_pack_filename_names_what_it_covers_and_the_day(client_as, known):
    case = known["one"]
    response = client_as("hq").post(reverse("oversight:pack_case", args=[case.pk]), {**PACK_FORM, "fmt": "pdf"})
    disposition = response["Content-Disposition"]
    assert f'filename="evidence-pack-{case.urn}-{clock.today().isoformat()}.pdf"' == disposition.split("; ")[1]
