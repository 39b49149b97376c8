"""The optional LLM answer: request format, citation and quotation checks, failures fall back.

No test reaches the network: a fake chat-completions server on 127.0.0.1 records the requests
and returns canned responses.
"""

from __future__ import annotations

import logging
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_django.fixtures import Settings

from assistant.answers import llm
from assistant.answers.llm import Endpoint, LlmAnswer, LlmUnavailable, Source
from tests.factories.llm import FakeLlm, serve_fake_llm

# Passages of Decree 30/2020/NĐ-CP as pypdf extracts them: line breaks in mid-sentence.
DIEU_13 = Source(
    ref=1,
    citation="Nghị định số 30/2020/NĐ-CP, Điều 13, khoản 1 (trang 6)",
    text=(
        "1. Cơ quan, tổ chức làm việc theo chế độ thủ trưởng\n"
        "Người đứng đầu cơ quan, tổ chức có thẩm quyền ký tất cả văn bản do cơ\n"
        "quan, tổ chức ban hành; có thể giao cấp phó ký thay các văn bản thuộc lĩnh\n"
        "vực được phân công phụ trách và một số văn bản thuộc thẩm quyền của người\n"
        "đứng đầu. Trường hợp cấp phó được giao phụ trách, điều hành thì thực hiện\n"
        "ký như cấp phó ký thay cấp trưởng."
    ),
)
DIEU_12 = Source(
    ref=2,
    citation="Nghị định số 30/2020/NĐ-CP, Điều 12 (trang 6)",
    text=(
        "1. Người đứng đầu đơn vị soạn thảo văn bản phải kiểm tra và chịu trách\n"
        "nhiệm trước người đứng đầu cơ quan, tổ chức và trước pháp luật về nội dung\n"
        "văn bản.\n"
        "2. Người được giao trách nhiệm kiểm tra thể thức, kỹ thuật trình bày văn\n"
        "bản phải kiểm tra và chịu trách nhiệm trước người đứng đầu cơ quan, tổ chức\n"
        "và trước pháp luật về thể thức, kỹ thuật trình bày văn bản."
    ),
)
SOURCES = (DIEU_13, DIEU_12)
QUESTION = "Ai có thẩm quyền ký văn bản ở cơ quan làm việc theo chế độ thủ trưởng?"

QUOTE_13 = (
    "có thẩm quyền ký tất cả văn bản do cơ quan, tổ chức ban hành"  # "do cơ\nquan" in the PDF
)
QUOTE_12 = "phải kiểm tra và chịu trách nhiệm trước người đứng đầu cơ quan, tổ chức"
GOOD_ANSWER = (
    f"Người đứng đầu cơ quan, tổ chức “{QUOTE_13}” [1] và có thể giao cấp phó ký thay "
    "các văn bản thuộc lĩnh vực được phân công phụ trách [1]. Trước khi ký, người đứng đầu "
    f"đơn vị soạn thảo “{QUOTE_12}” về nội dung văn bản [2]."
)


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with serve_fake_llm() as fake:
        fake.reply(GOOD_ANSWER)
        yield fake


# --- A good answer ----------------------------------------------------------------------------


def test_well_cited_answer_is_returned_and_request_carries_question_and_passages(
    fake_llm: FakeLlm,
) -> None:
    answer = llm.compose(QUESTION, SOURCES, fake_llm.endpoint(api_key="sk-local-test"))

    assert answer == LlmAnswer(text=GOOD_ANSWER, refs=(1, 2), quotes=((1, QUOTE_13), (2, QUOTE_12)))
    [request] = fake_llm.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer sk-local-test"
    assert request.body["model"] == "qwen2.5-7b-instruct"
    assert request.body["temperature"] == 0
    messages = request.body["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "KHÔNG TÌM THẤY" in messages[0]["content"]
    prompt = messages[1]["content"]
    assert QUESTION in prompt
    for source in SOURCES:
        assert source.text in prompt
        assert f"[{source.ref}] {source.citation}" in prompt


def test_no_authorization_header_without_api_key_and_full_url_accepted(fake_llm: FakeLlm) -> None:
    endpoint = fake_llm.endpoint(url=fake_llm.url + "/chat/completions/")

    assert llm.compose(QUESTION, SOURCES, endpoint) is not None
    [request] = fake_llm.requests
    assert request.path == "/v1/chat/completions"
    assert "Authorization" not in request.headers


def test_settings_configure_the_endpoint(fake_llm: FakeLlm, settings: Settings) -> None:
    settings.ASSISTANT_LLM_URL = fake_llm.url
    settings.ASSISTANT_LLM_MODEL = "vinallama-7b"
    settings.ASSISTANT_LLM_API_KEY = "sk-from-settings"
    settings.ASSISTANT_LLM_TIMEOUT = 12.5

    assert llm.endpoint_from_settings() == Endpoint(
        url=fake_llm.url, model="vinallama-7b", api_key="sk-from-settings", timeout=12.5
    )
    answer = llm.compose(QUESTION, SOURCES)

    assert answer is not None
    assert answer.refs == (1, 2)
    [request] = fake_llm.requests
    assert request.body["model"] == "vinallama-7b"
    assert request.headers["Authorization"] == "Bearer sk-from-settings"


def test_not_configured_gives_none_without_any_request(
    fake_llm: FakeLlm, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ASSISTANT_LLM_URL = ""

    def no_request(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("no request may be made when the LLM is not configured")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_request)

    assert llm.endpoint_from_settings() is None
    assert llm.compose(QUESTION, SOURCES) is None
    assert fake_llm.requests == []


# --- Answers that are not used ----------------------------------------------------------------


def test_fabricated_citation_is_rejected(fake_llm: FakeLlm) -> None:
    fake_llm.reply(
        "Người đứng đầu cơ quan, tổ chức có thẩm quyền ký tất cả văn bản [1]; văn bản phải "
        "được đăng ký vào Sổ đăng ký văn bản trong ngày [3]."
    )

    assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint()) is None


@pytest.mark.parametrize(
    "reply",
    [
        # A quotation that is in no passage.
        "Người đứng đầu “phải ký tất cả văn bản trong thời hạn 03 ngày làm việc” [1].",
        # A quotation of source 2 attributed to source 1 (the sentence cites 2 as well).
        f"Người đứng đầu đơn vị soạn thảo “{QUOTE_12}” [1], theo Điều 12 [2].",
        # Without a marker right after it, the quote must be in a source its sentence cites.
        (
            f"Người đứng đầu đơn vị soạn thảo “{QUOTE_12}” về nội dung văn bản [1]. "
            "Văn bản phải được kiểm tra trước khi ký [2]."
        ),
    ],
    ids=["fabricated", "misattributed", "misattributed-in-sentence"],
)
def test_quotation_not_in_its_cited_source_is_rejected(fake_llm: FakeLlm, reply: str) -> None:
    fake_llm.reply(reply)

    assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint()) is None


def test_answer_without_citation_is_rejected(fake_llm: FakeLlm) -> None:
    fake_llm.reply(
        "Người đứng đầu cơ quan, tổ chức có thẩm quyền ký tất cả văn bản do cơ quan ban hành."
    )

    assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint()) is None


@pytest.mark.parametrize(
    "reply",
    [
        "KHÔNG TÌM THẤY",
        "KHÔNG TÌM THẤY.",
        "Không tìm thấy [1].",
        "Người đứng đầu ký văn bản [1]. Về thời hạn ký: KHÔNG TÌM THẤY [2].",
    ],
)
def test_not_found_answer_gives_none(fake_llm: FakeLlm, reply: str) -> None:
    fake_llm.reply(reply)

    assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint()) is None
    assert len(fake_llm.requests) == 1


# --- An unavailable endpoint ------------------------------------------------------------------


def test_http_error_gives_none_and_logs_no_question(
    fake_llm: FakeLlm, caplog: pytest.LogCaptureFixture
) -> None:
    fake_llm.status = 500  # with a body that would otherwise be a good answer

    with caplog.at_level(logging.INFO, logger="assistant.answers.llm"):
        assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint()) is None
    with pytest.raises(LlmUnavailable, match="HTTP 500"):
        llm.request_completion(fake_llm.endpoint(), llm.build_messages(QUESTION, SOURCES))
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert QUESTION not in caplog.text
    assert "thủ trưởng" not in caplog.text


@pytest.mark.parametrize(
    "body",
    [
        b'{"choices": [{"message": {"content": "Ng',  # cut short
        b"<html>Bad Gateway</html>",
        b'{"choices": []}',
        b'{"choices": [{"message": {"content": null}}]}',
    ],
)
def test_invalid_response_gives_none(fake_llm: FakeLlm, body: bytes) -> None:
    fake_llm.body = body

    assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint()) is None
    with pytest.raises(LlmUnavailable, match="invalid response"):
        llm.request_completion(fake_llm.endpoint(), llm.build_messages(QUESTION, SOURCES))


def test_slow_server_times_out_to_none(fake_llm: FakeLlm) -> None:
    fake_llm.delay = 10.0  # then it would send the good answer

    started = time.monotonic()
    assert llm.compose(QUESTION, SOURCES, fake_llm.endpoint(timeout=0.5)) is None
    assert time.monotonic() - started < 3.0
    assert len(fake_llm.requests) == 1


def test_oversized_response_is_refused(fake_llm: FakeLlm) -> None:
    fake_llm.body = b" " * (llm.MAX_RESPONSE_BYTES + 1) + fake_llm.body

    with pytest.raises(LlmUnavailable, match="too large"):
        llm.request_completion(fake_llm.endpoint(), llm.build_messages(QUESTION, SOURCES))


def test_unreachable_server_gives_none(fake_llm: FakeLlm) -> None:
    endpoint = fake_llm.endpoint(url="http://127.0.0.1:9/v1", timeout=1.0)  # discard port

    assert llm.compose(QUESTION, SOURCES, endpoint) is None


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/v1", "127.0.0.1:8080/v1"])
def test_only_http_urls_are_requested(url: str) -> None:
    with pytest.raises(LlmUnavailable, match="unsupported URL"):
        llm.request_completion(Endpoint(url=url, model="m"), [])
    assert llm.compose(QUESTION, SOURCES, Endpoint(url=url, model="m")) is None


# --- check_answer -----------------------------------------------------------------------------


def test_quote_verifies_across_pdf_line_breaks_spacing_and_case() -> None:
    # The passage breaks "do cơ\nquan" and "thuộc lĩnh\nvực"; the quote is typed on one line.
    reply = (
        "Người đứng đầu “Có thẩm quyền ký tất cả văn bản do cơ  quan, tổ chức ban hành; "
        "có thể giao cấp phó ký thay các văn bản thuộc lĩnh vực được phân công phụ trách” [1]."
    )

    answer = llm.check_answer(reply, SOURCES)

    assert answer is not None
    assert answer.quotes[0][0] == 1


def test_quote_with_line_break_in_answer_verifies() -> None:
    reply = f"Theo quy định, người đứng đầu đơn vị soạn thảo văn bản “{QUOTE_12}\nvà trước pháp luật” [2]."

    assert llm.check_answer(reply, SOURCES) is not None


def test_decomposed_unicode_in_quote_verifies() -> None:
    import unicodedata

    reply = f"Người đứng đầu “{unicodedata.normalize('NFD', QUOTE_13)}” [1]."

    answer = llm.check_answer(reply, SOURCES)

    assert answer is not None
    assert answer.quotes == ((1, QUOTE_13),)


@pytest.mark.parametrize(
    ("marker", "refs"),
    [("[1, 2]", (1, 2)), ("[1][2]", (1, 2)), ("[2] [1]", (2, 1)), ("[1-2]", (1, 2))],
)
def test_citation_forms(marker: str, refs: tuple[int, ...]) -> None:
    reply = f"Văn bản phải được kiểm tra trước khi người có thẩm quyền ký ban hành {marker}."

    answer = llm.check_answer(reply, SOURCES)

    assert answer is not None
    assert answer.refs == refs


@pytest.mark.parametrize("marker", ["[1, 3]", "[1][3]", "[0]", "[1-3]", "[1a]", "[Điều 13]"])
def test_citation_forms_outside_the_sources_are_rejected(marker: str) -> None:
    reply = f"Người đứng đầu cơ quan có thẩm quyền ký tất cả văn bản [1] {marker}."

    assert llm.check_answer(reply, SOURCES) is None


def test_quote_without_marker_is_checked_against_its_sentence_sources() -> None:
    in_sentence = f"Người đứng đầu đơn vị soạn thảo “{QUOTE_12}” về nội dung văn bản [2]."
    no_marker_in_sentence = (
        f"Người đứng đầu đơn vị soạn thảo “{QUOTE_12}”. Người đứng đầu cơ quan ký văn bản [1][2]."
    )

    assert llm.check_answer(in_sentence, SOURCES) == LlmAnswer(
        text=in_sentence, refs=(2,), quotes=((2, QUOTE_12),)
    )
    answer = llm.check_answer(no_marker_in_sentence, SOURCES)
    assert answer is not None
    assert answer.quotes == ((2, QUOTE_12),)


def test_quote_with_a_period_inside_stays_in_its_sentence() -> None:
    reply = (
        "Người đứng đầu cơ quan ký văn bản [1]. Điều 12 quy định: “phải kiểm tra và chịu trách "
        "nhiệm trước người đứng đầu cơ quan, tổ chức và trước pháp luật về nội dung văn bản.” "
        "đối với người đứng đầu đơn vị soạn thảo [2]."
    )

    answer = llm.check_answer(reply, SOURCES)

    assert answer is not None
    assert answer.quotes[0][0] == 2


def test_straight_quotes_and_ellipsis_are_verified() -> None:
    good = 'Người đứng đầu "có thẩm quyền ký tất cả văn bản ... có thể giao cấp phó ký thay" [1].'
    reordered = 'Người đứng đầu "có thể giao cấp phó ký thay ... có thẩm quyền ký tất cả" [1].'

    assert llm.check_answer(good, SOURCES) is not None
    assert llm.check_answer(reordered, SOURCES) is None


def test_short_quoted_terms_are_not_quotations() -> None:
    reply = "Cơ quan làm việc theo “chế độ” khác, văn bản vẫn cần “con dấu” [1]."

    answer = llm.check_answer(reply, SOURCES)

    assert answer is not None
    assert answer.quotes == ()


def test_build_messages_numbers_every_passage() -> None:
    messages = llm.build_messages(QUESTION, SOURCES)

    assert messages[0]["role"] == "system"
    assert "[n]" in messages[0]["content"] or "[1]" in messages[0]["content"]
    assert "“" in messages[0]["content"]
    user = messages[1]["content"]
    assert user.index("[1] " + DIEU_13.citation) < user.index("[2] " + DIEU_12.citation)
    assert user.rstrip().endswith(QUESTION)


# --- Through the assistant's answer ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_assistant_uses_a_checked_llm_answer_and_drops_a_fabricated_one(
    fake_llm: FakeLlm, settings: Settings
) -> None:
    from assistant.answers.ask import answer
    from tests.factories import make_user
    from tests.factories.library import QUY_CHE, add_directive

    add_directive(QUY_CHE, name="quy-che.txt")
    settings.ASSISTANT_MIN_CONFIDENCE = 0.5  # about the LLM path, not the refusal threshold
    settings.ASSISTANT_LLM_URL = fake_llm.url
    settings.ASSISTANT_LLM_MODEL = "qwen2.5-7b-instruct"
    question = "Tài liệu họp được gửi trước cuộc họp bao lâu?"
    fake_llm.reply(
        "Tài liệu họp phải được gửi “qua hệ thống phòng họp không giấy ít nhất 03 ngày làm việc "
        "trước” cuộc họp [1]."
    )

    checked = answer(question, user=make_user())

    assert checked.found
    assert "03 ngày làm việc" in checked.llm_text
    sent = fake_llm.requests[-1].body["messages"][-1]["content"]
    assert question in sent
    assert "ít nhất 03 ngày làm việc" in sent  # the passages went along

    fake_llm.reply("Tài liệu được gửi “trước 10 ngày làm việc” [1].")  # not what the text says
    fabricated = answer(question, user=make_user())

    assert fabricated.found
    assert fabricated.llm_text == ""
    assert fabricated.quotes  # the extractive answer stands
