"""Demo directives for the assistant's library (pure data; bodies in ``<slug>.txt`` next to this).

Five documents written for this project (not copies of real ones), issued by UBND Thành phố Hà Nội
in 2025–2026, in the body format of cabinet/demo/papers (see
cabinet.records.documents.paper_render): "# " centred bold heading, "## " bold heading, "- " bullet,
other lines justified paragraphs. The national header
(issuing body, number, place and date) is drawn by the renderer from the fields below, and the
library reads it back from the PDF: ``number``, ``date`` and ``doc_type`` are what that reading must
find. ``title`` is the trích yếu as printed under the type name (a công văn's "V/v ..." line).

Access: a document with ``restricted_to_units`` / ``restricted_to_users`` (unit codes and usernames
of cabinet/demo/data.py) is visible only to those, and to the library's managers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

DIRECTIVE_DIR = Path(__file__).resolve().parent
CITY = "Hà Nội"
COMMITTEE = "ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI"

DIRECTIVES: list[dict[str, Any]] = [
    {
        "slug": "ct-chuyen-doi-so-2026",
        "number": "05/CT-UBND",
        "date": dt.date(2026, 3, 12),
        "doc_type": "chi_thi",
        "title": (
            "Về đẩy mạnh chuyển đổi số và số hóa hồ sơ, kết quả giải quyết thủ tục hành chính"
        ),
        "parent_body": "",
        "issuer": COMMITTEE,
        "restricted_to_units": [],
        "restricted_to_users": [],
    },
    {
        "slug": "qd-quy-che-lam-viec",
        "number": "3862/QĐ-UBND",
        "date": dt.date(2025, 7, 18),
        "doc_type": "quyet_dinh",
        "title": "Ban hành Quy chế làm việc của Ủy ban nhân dân Thành phố Hà Nội",
        "parent_body": "",
        "issuer": COMMITTEE,
        "restricted_to_units": [],
        "restricted_to_users": [],
    },
    {
        "slug": "kh-de-an-06-2026",
        "number": "28/KH-UBND",
        "date": dt.date(2026, 1, 23),
        "doc_type": "ke_hoach",
        "title": "Triển khai Đề án 06 năm 2026 trên địa bàn Thành phố",
        "parent_body": "",
        "issuer": COMMITTEE,
        "restricted_to_units": [],
        "restricted_to_users": [],
    },
    {
        "slug": "tb-ket-luan-cchc-quy-1-2026",
        "number": "186/TB-UBND",
        "date": dt.date(2026, 4, 14),
        "doc_type": "thong_bao",
        "title": (
            "Kết luận của đồng chí Phạm Đức Toàn, Chủ tịch UBND Thành phố tại cuộc họp về công "
            "tác cải cách hành chính quý I năm 2026"
        ),
        "parent_body": "",
        "issuer": COMMITTEE,
        "restricted_to_units": [],
        "restricted_to_users": [],
    },
    {
        # Restricted: the police and the chair only (shows that others never see it).
        "slug": "cv-an-ninh-tet-binh-ngo-2026",
        "number": "412/UBND-NC",
        "date": dt.date(2026, 1, 12),
        "doc_type": "cong_van",
        "title": "V/v bảo đảm an ninh, trật tự dịp Tết Nguyên đán Bính Ngọ 2026",
        "parent_body": "",
        "issuer": COMMITTEE,
        "restricted_to_units": ["CATP"],
        "restricted_to_users": ["chutich"],
    },
]


def body(slug: str) -> str:
    """The body text of the demo directive ``slug`` (UTF-8)."""
    return (DIRECTIVE_DIR / f"{slug}.txt").read_text(encoding="utf-8")
