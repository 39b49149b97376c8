"""Optional LLM answers, written from retrieved passages only and checked before use.

The assistant answers extractively by default. When an OpenAI-compatible chat-completions
endpoint is configured (``ASSISTANT_LLM_URL``, off by default), :func:`compose` asks the model for
a fluent Vietnamese answer from the numbered passages and keeps it only if it passes
:func:`check_answer`: every ``[n]`` refers to a passage that was given, and every quotation of
three words or more is found in the passage it is attributed to. Anything else (not configured,
endpoint down, a fabricated citation or quotation, "KHÔNG TÌM THẤY") gives ``None`` and the
caller falls back to the extractive answer.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any

from django.conf import settings

logger = logging.getLogger(__name__)

NOT_FOUND = "KHÔNG TÌM THẤY"
MAX_RESPONSE_BYTES = 1024 * 1024
# A quoted span shorter than this is a term ("văn thư"), not a quotation to verify.
MIN_QUOTE_WORDS = 3

SYSTEM_PROMPT = (
    "Bạn là trợ lý giúp lãnh đạo Ủy ban nhân dân tra cứu văn bản chỉ đạo, điều hành.\n"
    "Quy tắc bắt buộc:\n"
    "1. Chỉ trả lời dựa trên các đoạn trích được đánh số [1], [2], ... trong tin nhắn của người "
    "dùng; không dùng kiến thức bên ngoài, không suy đoán.\n"
    "2. Mỗi ý trong câu trả lời phải ghi nguồn bằng số thứ tự của đoạn trích trong ngoặc vuông, "
    "ví dụ [1] hoặc [1][2].\n"
    "3. Khi trích dẫn nguyên văn, đặt phần trích trong dấu ngoặc kép “...”, chép đúng từng chữ "
    "như trong đoạn trích và ghi nguồn ngay sau dấu ngoặc kép đóng.\n"
    f"4. Nếu các đoạn trích không chứa câu trả lời, chỉ trả lời đúng cụm: {NOT_FOUND}\n"
    "Trả lời bằng tiếng Việt, ngắn gọn, rõ ràng."
)


@dataclass(frozen=True)
class Source:
    ref: int  # 1-based number the model cites as [1], [2] ...
    citation: str  # e.g. "Nghị định số 30/2020/NĐ-CP, Điều 8, khoản 2 (trang 5)"
    text: str  # the passage text


@dataclass(frozen=True)
class LlmAnswer:
    text: str  # the answer as written, with [n] markers
    refs: tuple[int, ...]  # sources cited, in order of first citation
    quotes: tuple[tuple[int, str], ...]  # (ref, quoted text), each verified to be in source ref


class LlmUnavailable(Exception):
    """The endpoint could not give an answer. The message is a short fixed reason, no content."""


@dataclass(frozen=True)
class Endpoint:
    url: str  # base URL ("http://127.0.0.1:8080/v1") or the full ".../chat/completions" URL
    model: str
    api_key: str = ""
    timeout: float = 30.0


def endpoint_from_settings() -> Endpoint | None:
    url = str(getattr(settings, "ASSISTANT_LLM_URL", "") or "").strip()
    if not url:
        return None
    timeout = float(getattr(settings, "ASSISTANT_LLM_TIMEOUT", 30.0) or 30.0)
    return Endpoint(
        url=url,
        model=str(getattr(settings, "ASSISTANT_LLM_MODEL", "") or ""),
        api_key=str(getattr(settings, "ASSISTANT_LLM_API_KEY", "") or ""),
        timeout=timeout if timeout > 0 else 30.0,
    )


def build_messages(question: str, sources: Sequence[Source]) -> list[dict[str, str]]:
    passages = "\n\n".join(f"[{s.ref}] {s.citation}\n{s.text.strip()}" for s in sources)
    user = f"Các đoạn trích:\n\n{passages}\n\nCâu hỏi: {question.strip()}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


# --- HTTP -------------------------------------------------------------------------------------


def completions_url(url: str) -> str:
    """``{url}/chat/completions``, or ``url`` itself when it already ends so; http(s) only."""
    url = url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LlmUnavailable("unsupported URL")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an error: the answer must come from the configured endpoint."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def request_completion(endpoint: Endpoint, messages: list[dict[str, str]]) -> str:
    """The model's reply (``choices[0].message.content``); LlmUnavailable on any failure."""
    url = completions_url(endpoint.url)
    body = json.dumps(
        {"model": endpoint.model, "messages": messages, "temperature": 0}, ensure_ascii=False
    ).encode("utf-8")
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if endpoint.api_key:
        headers["Authorization"] = f"Bearer {endpoint.api_key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    deadline = time.monotonic() + endpoint.timeout
    try:
        # Built per call so that proxy settings are read from the environment of the moment.
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=endpoint.timeout) as response:
            raw = _read_capped(response, deadline)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise LlmUnavailable(f"HTTP {exc.code}") from exc
    except TimeoutError as exc:
        raise LlmUnavailable("timeout") from exc
    except urllib.error.URLError as exc:
        reason = "timeout" if isinstance(exc.reason, TimeoutError) else "unreachable"
        raise LlmUnavailable(reason) from exc
    except (OSError, HTTPException, ValueError) as exc:
        raise LlmUnavailable(type(exc).__name__) from exc
    try:
        data = json.loads(raw.decode("utf-8"))
        content = data["choices"][0]["message"]["content"]
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise LlmUnavailable("invalid response") from exc
    if not isinstance(content, str):
        raise LlmUnavailable("invalid response")
    return content


def _read_capped(response: Any, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > MAX_RESPONSE_BYTES:
            raise LlmUnavailable("response too large")
        if time.monotonic() > deadline:
            raise LlmUnavailable("timeout")
        chunks.append(chunk)
    return b"".join(chunks)


# --- Checking an answer -----------------------------------------------------------------------

# [1], [1, 2], [1; 2], [1-3] (a range); [1][2] is two markers.
_MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;\-–]\s*\d+)*)\s*\]")
# Any bracket holding a digit: a marker must parse, "[1a]" or "[Điều 8]" is not accepted.
_BRACKET_WITH_DIGIT = re.compile(r"\[[^\[\]]*\d[^\[\]]*\]")
_QUOTE = re.compile(r"“([^“”]*)”|\"([^\"]*)\"|«([^«»]*)»")
_SENTENCE_END = re.compile(r"[.!?](?=\s)|\n")
# Between a closing quote and its marker: spaces and light punctuation only.
_AFTER_QUOTE = re.compile(r"[\s,.;:)]*")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_EDGE_PUNCT = " \t\n.,;:!?"


def _marker_refs(group: str) -> list[int]:
    refs: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group.strip()):
        bounds = re.split(r"\s*[\-–]\s*", part)
        if len(bounds) == 2:
            low, high = int(bounds[0]), int(bounds[1])
            if low > high or high - low > 50:
                return [0]  # never a source ref: the answer is rejected
            refs.extend(range(low, high + 1))
        else:
            refs.append(int(part))
    return refs


def _normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _found_in(quote: str, passage: str) -> bool:
    """Every ellipsis-separated fragment of the quote appears in the passage, in order."""
    haystack = _normalize(passage)
    position = 0
    for fragment in _ELLIPSIS.split(quote):
        needle = _normalize(fragment).strip(_EDGE_PUNCT)
        if not needle:
            continue
        found = haystack.find(needle, position)
        if found < 0:
            return False
        position = found + len(needle)
    return position > 0


def check_answer(text: str, sources: Sequence[Source]) -> LlmAnswer | None:
    """The answer if every citation and quotation holds against the sources, else None."""
    text = unicodedata.normalize("NFC", text).strip()
    if not text or NOT_FOUND in text or text.upper().lstrip(_EDGE_PUNCT).startswith(NOT_FOUND):
        return None
    by_ref = {s.ref: s for s in sources}

    markers: list[tuple[int, int, list[int]]] = []  # (start, end, refs)
    for match in _MARKER.finditer(text):
        markers.append((match.start(), match.end(), _marker_refs(match.group(1))))
    if not markers:
        return None
    if len(_BRACKET_WITH_DIGIT.findall(text)) != len(markers):
        return None
    cited: list[int] = []
    for _, _, refs in markers:
        for ref in refs:
            if ref not in by_ref:
                return None
            if ref not in cited:
                cited.append(ref)

    # Sentence boundaries are looked for with the quotations masked (a quote may hold a period).
    masked = _QUOTE.sub(lambda m: "“" + "x" * (len(m.group(0)) - 2) + "”", text)
    ends = [m.end() for m in _SENTENCE_END.finditer(masked)]

    quotes: list[tuple[int, str]] = []
    for match in _QUOTE.finditer(text):
        quoted = next(g for g in match.groups() if g is not None).strip()
        if len(quoted.split()) < MIN_QUOTE_WORDS:
            continue
        candidates = _candidates(match.start(), match.end(), text, markers, ends, cited)
        source = next((r for r in candidates if _found_in(quoted, by_ref[r].text)), None)
        if source is None:
            return None
        quotes.append((source, quoted))
    return LlmAnswer(text=text, refs=tuple(cited), quotes=tuple(quotes))


def _candidates(
    start: int,
    end: int,
    text: str,
    markers: list[tuple[int, int, list[int]]],
    ends: list[int],
    cited: list[int],
) -> list[int]:
    """The sources a quotation may come from: its marker, else its sentence's, else any cited."""
    gap = _AFTER_QUOTE.match(text, end)
    after = gap.end() if gap else end
    for m_start, _, refs in markers:
        if m_start == after:
            return refs
    sentence_start = max((e for e in ends if e <= start), default=0)
    sentence_end = min((e for e in ends if e >= end), default=len(text))
    in_sentence: list[int] = []
    for m_start, m_end, refs in markers:
        if m_start >= sentence_start and m_end <= sentence_end:
            in_sentence.extend(r for r in refs if r not in in_sentence)
    return in_sentence or cited


# --- Putting it together ----------------------------------------------------------------------


def compose(
    question: str, sources: Sequence[Source], endpoint: Endpoint | None = None
) -> LlmAnswer | None:
    """A checked LLM answer, or None (not configured, unavailable, not found, or rejected)."""
    if endpoint is None:
        endpoint = endpoint_from_settings()
    if endpoint is None or not sources:
        return None
    try:
        reply = request_completion(endpoint, build_messages(question, sources))
    except LlmUnavailable as exc:
        logger.warning("assistant LLM unavailable: %s", exc)
        return None
    answer = check_answer(reply, sources)
    if answer is None:
        logger.info("assistant LLM answer not used (not found or failed the citation check)")
    return answer
