"""An accessible (tagged) PDF written with fpdf2: a structure tree, the document language, reading
order, a title shown in the window, and real Unicode text.

fpdf2 (2.8) tags images and outline headings itself but not ordinary text, so this class marks every
block it writes: each heading or paragraph is one marked-content sequence (`/H1 <</MCID n>> BDC ...
EMC`) with a structure element of the same type under the document element, in the order written,
which is the reading order. A block never spans a page break (a marked sequence must stay on one
page), so long paragraphs are cut into page-sized pieces, each its own paragraph element. Page
numbers are marked as artifacts, so screen readers skip them. It relies on fpdf2's structure-tree
builder (`struct_builder`, `_add_marked_content`), which fpdf2 marks as internal: the tagged-PDF test
(tests/oversight/test_evidence.py) checks the result with pikepdf, so an fpdf2 change that breaks
it fails the build rather than shipping untagged PDFs.

The text is set in DejaVu Sans (shipped in fonts/, Bitstream Vera licence), which covers curly
quotes, dashes and accented names that the PDF core fonts cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF, ViewerPreferences
from fpdf.enums import MethodReturnValue, XPos, YPos

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVuSans"

#: Structure type -> (font size, bold, line height in mm, space before in mm).
STYLES: dict[str, tuple[float, bool, float, float]] = {
    "H1": (16, True, 8, 2),
    "H2": (12.5, True, 6.5, 4),
    "H3": (11, True, 5.5, 3),
    "P": (9.5, False, 4.8, 1),
}


class TaggedPdf(FPDF):
    def __init__(self, *, title: str, lang: str = "en-GB", author: str = "", subject: str = "") -> None:
        super().__init__(format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_lang(lang)
        self.set_title(title)
        self.set_author(author)
        self.set_subject(subject)
        self.set_creator("Casework Assurance")
        self.viewer_preferences = ViewerPreferences(display_doc_title=True)
        self.set_auto_page_break(False)
        self.set_margins(18, 18, 18)
        self.bottom = 18.0
        self.alias_nb_pages()

    # --- pages ---------------------------------------------------------------------------------

    @property
    def room(self) -> float:
        return self.h - self.bottom - 8 - self.y

    def footer(self) -> None:
        # Page numbers are decoration, not content: an artifact, outside the structure tree.
        self._out("/Artifact BMC")
        self.set_y(-self.bottom)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self._out("EMC")

    # --- tagged blocks ---------------------------------------------------------------------------

    @contextmanager
    def _tagged(self, tag: str) -> Iterator[None]:
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{tag}", mcid=mcid)
        self._out(f"/{tag} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    def block(self, tag: str, text: str) -> None:
        """Write one heading or paragraph, tagged, starting a new page where it does not fit."""
        size, bold, line_height, before = STYLES[tag]
        self.set_font(FAMILY, "B" if bold else "", size)
        wrapped = self.multi_cell(w=self.epw, h=line_height, text=text, dry_run=True, output=MethodReturnValue.LINES)
        lines = [str(line) for line in wrapped] if isinstance(wrapped, list) else [text]
        lines = lines or [""]
        keep_with_next = 3 if tag.startswith("H") else 1  # a heading is never the last thing on a page
        if self.room < line_height * (len(lines) if len(lines) <= keep_with_next else keep_with_next) + before:
            self.add_page()
        self.set_y(self.y + before)
        while lines:
            fits = max(int(self.room // line_height), 1)
            chunk, lines = lines[:fits], lines[fits:]
            with self._tagged(tag):
                self.multi_cell(w=self.epw, h=line_height, text="\n".join(chunk), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            if lines:
                self.add_page()

    def heading(self, level: int, text: str) -> None:
        self.block(f"H{level}", text)

    def paragraph(self, text: str) -> None:
        self.block("P", text)

    def items(self, texts: list[str], empty: str) -> None:
        """A list as paragraphs that start with a bullet (one element per item, in order)."""
        for text in texts or []:
            self.paragraph(f"•  {text}")
        if not texts:
            self.paragraph(empty)

    def output_bytes(self) -> bytes:
        return bytes(self.output())
