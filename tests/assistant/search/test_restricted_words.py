"""The assistant never reveals a word that only a document the asker may not read holds.

A question typed without tone marks is shown back with its marks restored ("Hiểu là: …"): that
reading, and every other part of the answer (the nearest passages, the refusal), must come from
what the asker may read. A restorer built from the whole library was an oracle: "khue truc luc
lang" came back as the "khuê trúc lục lạng" of a restricted directive to anyone who asked.
Tested as the asker meets it: ask.json, the question box (htmx and the plain form with its
stored answer), and ``manage.py ask --json --user``; the real embedding model throughout.
"""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pytest_django.fixtures import Settings

from assistant.library import services as library
from assistant.search.index import forget_index
from cabinet.meetings.services import meetings as meeting_services
from cabinet.models import User
from tests.factories import PASSWORD, add_item, attach, invite, make_meeting, make_user
from tests.factories import secretary_of as secretary_for
from tests.factories.library import add_directive, make_librarian
from tests.factories.papers import text_pdf_upload

pytestmark = pytest.mark.django_db

PUBLIC = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
Số: 15/CT-UBND
CHỈ THỊ
Về việc nâng cao chất lượng tổ chức cuộc họp của Ủy ban nhân dân Thành phố

Điều 1. Thông báo kết luận cuộc họp
Văn phòng Ủy ban nhân dân Thành phố ban hành thông báo kết luận cuộc họp \
trong thời hạn 03 ngày làm việc kể từ ngày kết thúc cuộc họp.

Điều 2. Tài liệu cuộc họp
Tài liệu cuộc họp được gửi đến đại biểu chậm nhất 05 ngày làm việc trước ngày họp.
"""

# The only document with these words: "khuê", "lạng" are in no other.
SECRET = """ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI
Số: 09/CT-UBND
CHỈ THỊ
Về phương án bảo vệ mục tiêu đặc biệt

1. Công an Thành phố triển khai phương án khuê trúc lục lạng tại kho tiếp nhận.
2. Giữ bí mật phương án khuê trúc lục lạng đến khi có chỉ đạo mới.
"""
SECRET_WORDS = ("khuê", "lạng", "trúc lục")

# A meeting paper on an item restricted to one member: "quỳnh", "diệp" are in no other document.
PAPER = "Tờ trình phương án yến oanh quỳnh diệp cho khu tái định cư phía bắc sông."
PAPER_WORDS = ("quỳnh", "diệp", "yến oanh")

# Only the secret words, and then the secret words among the public document's many (enough of
# the question is known to the outsider's restorer for it to be restored and shown).
ONLY_SECRET = "khue truc luc lang"
MIXED = (
    "van phong uy ban nhan dan thanh pho ban hanh thong bao ket luan cuoc hop "
    "trong thoi han bao nhieu ngay lam viec ke tu ngay ket thuc cuoc hop khue truc"
)
MIXED_PAPER = (
    "van phong uy ban nhan dan thanh pho ban hanh thong bao ket luan cuoc hop "
    "trong thoi han bao nhieu ngay lam viec ke tu ngay ket thuc cuoc hop quynh diep"
)


def client_for(user: User) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def ask_json(user: User, question: str, **fields: object) -> dict[str, Any]:
    response = client_for(user).post(
        reverse("assistant:ask_json"),
        data=json.dumps({"question": question, **fields}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def assert_none_of(words: tuple[str, ...], text: str) -> None:
    shown = text.lower()
    for word in words:
        assert word not in shown, f"{word!r} revealed in {text[:2000]!r}"


@pytest.fixture
def library_with_a_secret() -> tuple[User, User]:
    """(an outsider, a reader of the restricted directive): one public directive, one restricted."""
    reader = make_user()
    add_directive(PUBLIC, name="cong-khai.txt")
    add_directive(
        SECRET,
        name="mat.txt",
        access=library.Access(visibility="restricted", users=[reader]),
    )
    return make_user(), reader


def test_the_json_answer_never_restores_a_restricted_only_word(
    library_with_a_secret: tuple[User, User],
) -> None:
    outsider, reader = library_with_a_secret

    for question in (ONLY_SECRET, MIXED):
        answer = ask_json(outsider, question)
        assert_none_of(SECRET_WORDS, json.dumps(answer, ensure_ascii=False))
    # The public words are still restored: the reading is shown, the secret ones stay as typed.
    read_as = ask_json(outsider, MIXED)["read_as"]
    assert "thành phố ban hành thông báo kết luận" in read_as
    assert read_as.endswith("kết thúc cuộc họp khue truc")

    # Whoever may read the directive still gets its words back, and finds it.
    answer = ask_json(reader, ONLY_SECRET)
    assert answer["read_as"] == "khuê trúc lục lạng"
    assert "khuê trúc lục lạng" in answer["passages"][0]["text"]


def test_the_question_box_and_the_stored_answer_never_show_a_restricted_only_word(
    library_with_a_secret: tuple[User, User],
) -> None:
    outsider, _reader = library_with_a_secret
    client = client_for(outsider)

    partial = client.post(reverse("assistant:ask"), {"question": MIXED}, HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    page = partial.content.decode()
    assert "Hiểu là" in page  # the reading is shown, from the public words only
    assert_none_of(SECRET_WORDS, page)

    posted = client.post(reverse("assistant:ask"), {"question": ONLY_SECRET}, follow=True)
    assert posted.status_code == 200
    assert_none_of(SECRET_WORDS, posted.content.decode())


def test_the_command_line_never_restores_a_restricted_only_word(
    library_with_a_secret: tuple[User, User],
) -> None:
    outsider, reader = library_with_a_secret

    def ask(user: User, *flags: str) -> str:
        out = StringIO()
        call_command("ask", MIXED, "--user", user.username, *flags, stdout=out)
        return out.getvalue()

    assert_none_of(SECRET_WORDS, ask(outsider, "--json"))
    assert_none_of(SECRET_WORDS, ask(outsider))
    assert "khuê trúc" in json.loads(ask(reader, "--json"))["read_as"]


def test_a_paper_of_an_item_closed_to_a_member_is_not_restored_for_them(
    settings: Settings,
) -> None:
    """A member of the meeting not listed on a restricted item, and an official not in the
    meeting, never get that item's paper's words back, in the meeting's panel or elsewhere."""
    settings.ASSISTANT_INDEX_PAPERS = True
    add_directive(PUBLIC, name="cong-khai.txt")
    meeting = make_meeting()
    invite(meeting, "chair")
    member = invite(meeting, "member").user
    listed = invite(meeting, "member")
    closed = add_item(meeting, "Nội dung mật", restricted=True, audience=[listed])
    meeting_services.publish_meeting(actor=secretary_for(meeting), meeting=meeting)
    attach(meeting, closed, title="Tờ trình mật", upload=text_pdf_upload([PAPER]))
    forget_index()

    for user, fields in (
        (member, {}),
        (member, {"meeting": meeting.pk}),
        (make_user(), {}),
    ):
        answer = ask_json(user, MIXED_PAPER, **fields)
        assert_none_of(PAPER_WORDS, json.dumps(answer, ensure_ascii=False))
        answer = ask_json(user, "yen oanh quynh diep", **fields)
        assert_none_of(PAPER_WORDS, json.dumps(answer, ensure_ascii=False))

    answer = ask_json(listed.user, "yen oanh quynh diep", meeting=meeting.pk)
    assert answer["read_as"] == "yến oanh quỳnh diệp"


def test_the_confidence_does_not_tell_whether_hidden_documents_hold_a_word() -> None:
    """The answer's confidence weighs the question's words by how rare they are in what the
    asker may read: counted in the whole library, a guessed word held by a restricted directive
    made the same question score differently once that directive was gone."""
    outsider = make_user()
    add_directive(PUBLIC, name="cong-khai.txt")
    secret = add_directive(
        SECRET,
        name="mat.txt",
        access=library.Access(visibility="restricted", users=[make_user()]),
    )
    question = "Thông báo kết luận cuộc họp về phương án khuê trúc lục lạng ban hành trong bao lâu?"

    with_secret = ask_json(outsider, question)
    library.delete_directive(directive=secret, actor=make_librarian())
    forget_index()
    without_secret = ask_json(outsider, question)

    assert with_secret["passages"]
    assert without_secret["passages"]
    assert with_secret["confidence"] == without_secret["confidence"]
