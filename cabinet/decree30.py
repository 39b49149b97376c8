"""Administrative documents in the layout of Decree 30/2020/NĐ-CP, Appendix I.

A document is described as data (``AdminDocument``) by whoever knows its content (the conclusion
notice in assistant.drafting, the minutes and the invitation in cabinet.meeting_records) and is
written here to DOCX (python-docx) and to PDF (the DOCX through LibreOffice, in the sandbox).

The layout rules are DOMAIN.md's "Decree 30/2020/NĐ-CP layout": A4 portrait, margins top/bottom
20 mm, left 30 mm, right 15 mm, Times New Roman (Liberation Serif is metric-compatible and is what
LibreOffice uses where Times is absent), the two-column header, page numbers from page 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["section", "item", "body", "centered", "plain"]


@dataclass(frozen=True)
class Run:
    """A piece of text with its emphasis, inside a block."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Block:
    """One paragraph of the body.

    - ``section``: "I. ĐÁNH GIÁ CHUNG" (upper case, bold, no indent);
    - ``item``: "1. Về ..." (bold, first-line indent);
    - ``body``: justified, first-line indent 1.27 cm;
    - ``centered``: centred (e.g. a sub-title);
    - ``plain``: justified, no indent (lists of names).
    """

    kind: BlockKind
    runs: tuple[Run, ...]

    @classmethod
    def of(cls, kind: BlockKind, text: str, *, bold: bool = False, italic: bool = False) -> Block:
        return cls(kind, (Run(text, bold=bold, italic=italic),))

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Signature:
    """A signing block: the authority lines (upper case, bold: "TL. CHỦ TỊCH", "CHÁNH VĂN
    PHÒNG"), room for the signature, then the signer's name (bold). An empty name leaves the
    space blank (a draft)."""

    authority: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class AdminDocument:
    """Everything a Decree 30 document shows, as text; the writer decides fonts and geometry.

    ``parent_body`` is the line above the issuing body ("UBND THÀNH PHỐ HÀ NỘI" over "VĂN
    PHÒNG"; empty when the committee itself issues). ``number`` is the whole line ("Số: 12/TB-UBND"
    or, for a draft, "Số:      /TB-UBND"); ``place_date`` likewise ("Hà Nội, ngày 05 tháng 01 năm
    2026"). ``recipients`` are the "Nơi nhận:" entries without the leading "- " (the last one is
    "Lưu: VT, TH."). With two signatures the first goes left and the second right (the minutes:
    the secretary left, the chair right); with one it goes right, beside "Nơi nhận:".
    ``draft`` prints "DỰ THẢO" above the header.
    """

    issuing_body: str
    number: str
    place_date: str
    doc_type: str
    summary: str
    blocks: tuple[Block, ...]
    parent_body: str = ""
    recipients: tuple[str, ...] = ()
    signatures: tuple[Signature, ...] = ()
    draft: bool = False
    title: str = field(default="", compare=False)  # file metadata (DOCX core properties)
