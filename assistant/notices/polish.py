"""Optional: an LLM rewrites the notice's general assessment (I. Đánh giá chung) in a fluent
administrative style, from the recorded facts only.

Off unless an OpenAI-compatible endpoint is configured (the same ASSISTANT_LLM_* settings as the
assistant's answers). The draft is complete without it. A rewrite is kept only if it adds no fact:
every number (figures, percentages, dates, document numbers) and every unit or body it names
("Sở ...", "UBND ...", "Công an ...", "Ban ...") must already be in the recorded text, and it may not
grow beyond twice the recorded length. Otherwise nothing changes and the secretary is told why.
"""

from __future__ import annotations

import logging
import re

from assistant.answers.llm import LlmUnavailable, endpoint_from_settings, request_completion
from assistant.notices.drafting import NoticeDraft
from assistant.search import text as vt
from cabinet.core.text import fold

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "Bạn là chuyên viên Văn phòng UBND Thành phố, soạn thông báo kết luận theo Nghị định "
    "30/2020/NĐ-CP. Hãy viết lại đoạn “Đánh giá chung” dưới đây cho mạch lạc, trang trọng, đúng "
    "văn phong hành chính. Chỉ dùng các sự kiện có trong tài liệu được cung cấp; không thêm số "
    "liệu, ngày tháng, tên cơ quan, đơn vị hay nhận định nào khác. Chỉ trả về đoạn văn đã viết "
    "lại, không có tiêu đề hay lời dẫn."
)
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)*")
# A unit or body starts with one of these head words; the two words after it are compared.
_UNIT_HEADS = re.compile(
    r"\b(?:Sở|Ban|Công an|Thanh tra|Văn phòng|UBND|Ủy ban|Bộ|Cục|Tổng cục|Kho bạc|Bảo hiểm)\b"
)
_WORD = re.compile(r"[\w&]+")


def _units_not_in(text: str, facts: str) -> list[str]:
    """Unit names in ``text`` (a head word and the two words after it) absent from ``facts``,
    compared without tone marks, case or punctuation: "Sở Y tế" is new if the facts never name
    it, "Công an Thành phố" is not if they do."""
    known = " ".join(_WORD.findall(fold(facts)))
    found = []
    for match in _UNIT_HEADS.finditer(text):
        words = _WORD.findall(text[match.start() : match.end() + 40])
        head_words = len(match.group().split())
        phrase = " ".join(words[: head_words + 2])
        if " ".join(_WORD.findall(fold(phrase))) not in known:
            found.append(phrase)
    return found


class PolishRefused(Exception):
    """The endpoint is missing, failed, or its text added something: the reason, in Vietnamese."""


def is_available() -> bool:
    return endpoint_from_settings() is not None


def facts_of(draft: NoticeDraft) -> str:
    """What the model may use: the recorded assessment and the items' conclusions."""
    parts = [draft.assessment, *(f"{s.heading}: {s.conclusion}" for s in draft.sections)]
    return "\n".join(p for p in parts if p.strip())


def polish_assessment(draft: NoticeDraft) -> str:
    endpoint = endpoint_from_settings()
    if endpoint is None:
        raise PolishRefused("Chưa cấu hình mô hình ngôn ngữ.")
    facts = facts_of(draft)
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": f"Tài liệu:\n{facts}\n\nĐoạn cần viết lại:\n{draft.assessment}",
        },
    ]
    try:
        reply = request_completion(endpoint, messages)
    except LlmUnavailable as error:
        logger.warning("assessment polish unavailable: %s", error)
        raise PolishRefused("Không kết nối được mô hình ngôn ngữ; dự thảo giữ nguyên.") from None
    return check_polish(reply, facts=facts, original=draft.assessment)


def check_polish(reply: str, *, facts: str, original: str) -> str:
    """The rewrite, if it says nothing the facts do not; PolishRefused otherwise."""
    text = vt.nfc(reply).strip().strip('"“”')
    if not text:
        raise PolishRefused("Mô hình ngôn ngữ không trả lời; dự thảo giữ nguyên.")
    if len(text) > 2 * len(original) + 200:
        raise PolishRefused("Đoạn viết lại dài bất thường; dự thảo giữ nguyên.")
    known_numbers = set(_NUMBER.findall(facts))
    new_numbers = [n for n in _NUMBER.findall(text) if n not in known_numbers]
    if new_numbers:
        shown = ", ".join(new_numbers[:3])
        raise PolishRefused(
            f"Đoạn viết lại có số liệu không có trong kết luận ({shown}); dự thảo giữ nguyên."
        )
    new_units = _units_not_in(text, facts)
    if new_units:
        shown = ", ".join(new_units[:3])
        raise PolishRefused(
            f"Đoạn viết lại nêu cơ quan, đơn vị không có trong kết luận ({shown}); dự thảo giữ "
            "nguyên."
        )
    return text
