"""The library end to end with the real embedding model: upload → sandbox → chunks → hybrid
retrieval → answers with citations; access, refusal, re-indexing and deletion."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pytest_django import DjangoAssertNumQueries
from pytest_django.fixtures import Settings

from assistant.answers.ask import Answer, answer
from assistant.library import services as library
from assistant.models import Chunk, Directive, DirectivePage, DirectiveStatus, IndexState
from assistant.search.index import current_index, forget_index
from assistant.search.retrieval import Scope, retrieve
from cabinet.core.errors import ServiceError
from cabinet.core.text import fold  # assistant.search.text's fold, not re-exported there
from cabinet.models import Meeting, User
from tests.factories import invite, make_meeting, make_unit, make_user
from tests.factories.library import QUY_CHE, add_directive, make_librarian

pytestmark = pytest.mark.django_db


CHI_THI_MAT = """ỦY BAN NHÂN DÂN
THÀNH PHỐ HÀ NỘI
Số: 07/CT-UBND
Hà Nội, ngày 20 tháng 01 năm 2026
CHỈ THỊ
Về bảo đảm an ninh, trật tự dịp Tết Nguyên đán
1. Công an Thành phố chủ trì tuần tra kiểm soát, bố trí lực lượng chốt chặn tại các bến xe
trong dịp Tết Nguyên đán.
2. Các phường, xã tăng cường quản lý cư trú, nắm tình hình địa bàn.
"""


def ask_an_official(question: str) -> Answer:
    """The extractive answer (no LLM) for an official with no special access."""
    return answer(question, user=make_user(), use_llm=False)


def quotes_are_in_the_document(result: Answer) -> None:
    """Every quote is the document's own text at the cited offsets and on the cited page."""
    assert result.quotes
    for quote in result.quotes:
        chunk = Chunk.objects.get(pk=quote.citation.chunk_id)
        pages = list(
            DirectivePage.objects.filter(directive=chunk.directive).values_list("text", flat=True)
        )
        document = "\f".join(pages)
        assert document[quote.start : quote.end] == quote.text
        assert quote.text in chunk.text
        page_text = pages[quote.citation.page - 1]
        assert quote.text.split("\f")[0] in page_text
        assert f"#page={quote.citation.page}" in quote.citation.url


def test_a_question_is_answered_by_quoting_the_clause_with_its_citation() -> None:
    directive = add_directive(QUY_CHE, name="quy-che.txt")
    assert directive.status == DirectiveStatus.READY
    assert directive.number == "12/2026/QĐ-UBND"
    assert directive.doc_type == "quyet_dinh"

    result = answer("Thời hạn ban hành thông báo kết luận là bao lâu?", user=make_user())

    assert result.found
    assert "05 ngày làm việc" in " ".join(q.text for q in result.quotes)
    top = result.quotes[0].citation
    assert top.location == "Điều 2, khoản 2"
    assert "12/2026/QĐ-UBND" in top.label
    quotes_are_in_the_document(result)


def test_a_question_typed_without_diacritics_finds_the_same_clause() -> None:
    add_directive(QUY_CHE, name="quy-che.txt")
    user = make_user()

    hits = retrieve("thoi han ban hanh thong bao ket luan", user=user)
    accented = retrieve("thời hạn ban hành thông báo kết luận", user=user)

    assert hits[0].chunk.heading == accented[0].chunk.heading == "Chương I › Điều 2 › khoản 2"


def test_the_model_reads_a_question_typed_without_diacritics_with_them_restored() -> None:
    """The embedding model cannot read folded Vietnamese: it reads the question as the library
    writes it, tone marks restored from the library's own words."""
    from assistant.search.embedding.encoder import get_encoder
    from assistant.search.retrieval import embed_query

    add_directive(QUY_CHE, name="quy-che.txt")
    index = current_index()
    restored = index.text_for_model(
        "thong bao ket luan cuoc hop duoc ban hanh cham nhat", readable=None
    )
    assert restored == "thông báo kết luận cuộc họp được ban hành chậm nhất"
    vector = embed_query(
        "thong bao ket luan cuoc hop duoc ban hanh cham nhat", index, readable=None
    )
    assert vector is not None
    assert float(vector @ get_encoder().encode_queries([restored])[0]) > 0.999
    hits = index.search(
        "thong bao ket luan cuoc hop duoc ban hanh cham nhat", query_vector=vector, limit=1
    )
    assert hits[0].dense_rank == 1
    assert Chunk.objects.get(pk=index.rows[hits[0].row].chunk_id).heading.endswith("khoản 2")


def test_a_question_the_library_cannot_answer_is_refused_with_the_nearest_passages() -> None:
    add_directive(QUY_CHE, name="quy-che.txt")

    result = answer(
        "Giá vé tham quan Văn Miếu Quốc Tử Giám năm nay là bao nhiêu?", user=make_user()
    )

    assert not result.found
    assert result.message == "Không tìm thấy thông tin trong thư viện văn bản"
    assert result.quotes == []
    assert result.passages  # shown instead of a guess


def test_a_question_typed_without_tone_marks_is_answered_or_refused_as_with_them() -> None:
    """Typed without tone marks, a question is judged as the model reads it (marks restored), not
    by its bare syllables: "thời hạn" is not in this library, and judged by its syllables alone
    the question was refused although the clause answers it."""
    add_directive(QUY_CHE, name="quy-che.txt")
    add_directive(CHI_THI_MAT, name="chi-thi.txt")
    user = make_user()
    questions = {
        "Thời hạn ban hành thông báo kết luận là bao lâu?": True,
        "Công an Thành phố tổ chức họp không giấy dịp Tết thế nào?": False,
        "Mức phạt vi phạm cư trú là bao nhiêu?": False,
    }
    for question, found in questions.items():
        accented = answer(question, user=user, use_llm=False)
        folded = answer(fold(question), user=user, use_llm=False)
        assert accented.found is folded.found is found, question
    folded = answer("thoi han ban hanh thong bao ket luan la bao lau", user=user, use_llm=False)
    assert "05 ngày làm việc" in folded.quotes[0].text
    assert folded.quotes[0].citation.location == "Điều 2, khoản 2"


def test_a_restricted_directive_never_reaches_anyone_outside_its_units() -> None:
    police = make_unit(name="Công an Thành phố")
    officer = make_user(unit=police)
    outsider = make_user(unit=make_unit())
    add_directive(QUY_CHE, name="quy-che.txt")
    secret = add_directive(
        CHI_THI_MAT,
        name="chi-thi.txt",
        access=library.Access(visibility="restricted", units=[police]),
    )
    question = "Công an Thành phố chủ trì tuần tra kiểm soát tại các bến xe dịp Tết"

    mine = retrieve(question, user=officer)
    theirs = retrieve(question, user=outsider)
    their_answer = answer(question, user=outsider)

    assert mine[0].chunk.directive_id == secret.pk
    assert all(p.chunk.directive_id != secret.pk for p in theirs)
    shown = [q.citation.chunk_id for q in their_answer.quotes] + [
        p.citation.chunk_id for p in their_answer.passages
    ]
    assert not Chunk.objects.filter(pk__in=shown, directive=secret).exists()


def test_a_user_named_on_a_restricted_directive_sees_it() -> None:
    reader = make_user()
    secret = add_directive(
        CHI_THI_MAT,
        name="chi-thi.txt",
        access=library.Access(visibility="restricted", users=[reader]),
    )

    hits = retrieve("tuần tra kiểm soát bến xe dịp Tết", user=reader)

    assert hits[0].chunk.directive_id == secret.pk


def test_filters_by_type_apply_before_ranking() -> None:
    add_directive(QUY_CHE, name="quy-che.txt")
    chi_thi = add_directive(CHI_THI_MAT, name="chi-thi.txt")
    user = make_user()

    hits = retrieve(
        "Thời hạn ban hành thông báo kết luận", user=user, scope=Scope(doc_types=("chi_thi",))
    )

    assert hits
    assert {p.chunk.directive_id for p in hits} == {chi_thi.pk}


def test_reindexing_replaces_the_chunks_at_once_and_deleting_removes_them() -> None:
    librarian = make_librarian()
    directive = add_directive(QUY_CHE, name="quy-che.txt", actor=librarian)
    before = set(Chunk.objects.filter(directive=directive).values_list("pk", flat=True))
    token = IndexState.objects.get().token

    library.reindex_directive(directive=directive, actor=librarian)
    library.process_directive(directive.pk)

    after = set(Chunk.objects.filter(directive=directive).values_list("pk", flat=True))
    assert len(after) == len(before)
    assert not before & after
    assert IndexState.objects.get().token != token
    assert len(current_index()) == len(after)

    library.delete_directive(directive=directive, actor=librarian)
    forget_index()
    assert not Chunk.objects.exists()
    assert retrieve("thông báo kết luận", user=make_user()) == []


def published_meeting_with_paper(member: User, title: str, text: str) -> Meeting:
    """A published meeting with ``member`` invited and one text paper, ready to be indexed."""
    from cabinet.meetings.services import meetings as meeting_services
    from tests.factories import add_item, attach, secretary_of
    from tests.factories.papers import text_pdf_upload

    meeting = make_meeting()
    invite(meeting, "chair")
    secretary = secretary_of(meeting)
    meeting_services.invite_participant(
        actor=secretary, meeting=meeting, user=member, role="member", can_vote=True
    )
    add_item(meeting)
    meeting_services.publish_meeting(actor=secretary, meeting=meeting)
    attach(meeting, title=title, upload=text_pdf_upload([text]))
    return meeting


def test_meeting_papers_are_searched_by_the_meeting_participants_only(
    settings: Settings,
) -> None:
    settings.ASSISTANT_INDEX_PAPERS = True
    member = make_user()
    meeting = published_meeting_with_paper(
        member, "Tờ trình số hóa hồ sơ",
        "Đề xuất số hóa 100% hồ sơ thủ tục hành chính cấp xã trong năm 2027.",
    )  # fmt: skip
    outsider = make_user()
    forget_index()
    question = "số hóa hồ sơ thủ tục hành chính cấp xã"

    member_hits = retrieve(question, user=member, scope=Scope.meeting(meeting.pk))
    outsider_hits = retrieve(question, user=outsider)

    assert member_hits
    assert member_hits[0].chunk.meeting_id == meeting.pk
    assert outsider_hits == []
    result = answer(question, user=member, scope=Scope.meeting(meeting.pk))
    assert result.passages[0].citation.url.startswith(f"/papers/{member_hits[0].chunk.paper_id}/")


def test_the_same_paper_in_two_meetings_is_shown_once(settings: Settings) -> None:
    settings.ASSISTANT_INDEX_PAPERS = True
    member = make_user()
    for _ in range(2):
        published_meeting_with_paper(
            member, "Báo cáo số hóa hồ sơ",
            "Đã số hóa 85% hồ sơ thủ tục hành chính cấp xã trong quý III năm 2026.",
        )  # fmt: skip
    forget_index()
    question = "Tỷ lệ số hóa hồ sơ thủ tục hành chính cấp xã quý III là bao nhiêu?"
    assert len(retrieve(question, user=member)) == 2  # both meetings' copies are readable

    result = answer(question, user=member, use_llm=False)

    assert [" ".join(p.text.split()) for p in result.passages].count(
        "Đã số hóa 85% hồ sơ thủ tục hành chính cấp xã trong quý III năm 2026."
    ) == 1
    assert len({q.text for q in result.quotes}) == len(result.quotes)


def test_uploads_are_checked_by_content() -> None:
    librarian = make_librarian()

    def upload(data: bytes, name: str) -> None:
        library.add_directive(upload=SimpleUploadedFile(name, data), actor=librarian, queue=False)

    with pytest.raises(ServiceError, match="không được hỗ trợ"):
        upload(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "anh.pdf")
    with pytest.raises(ServiceError, match="UTF-8"):
        upload("Chỉ thị về chuyển đổi số".encode("cp1258", errors="replace") + b"\xff\xfe", "a.txt")
    with pytest.raises(ServiceError, match="rỗng"):
        upload(b"", "rong.txt")
    upload(QUY_CHE.encode(), "quy-che.txt")
    with pytest.raises(ServiceError, match="đã có trong thư viện"):
        upload(QUY_CHE.encode(), "ban-sao.txt")
    assert Directive.objects.count() == 1


def test_only_librarians_change_the_library() -> None:
    official = make_user()
    with pytest.raises(ServiceError):
        library.add_directive(
            upload=SimpleUploadedFile("a.txt", QUY_CHE.encode()), actor=official, queue=False
        )
    directive = add_directive(QUY_CHE, name="quy-che.txt")
    with pytest.raises(ServiceError):
        library.delete_directive(directive=directive, actor=official)
    with pytest.raises(ServiceError):
        library.update_directive(directive=directive, actor=official, fields={"title": "x"})


def test_metadata_typed_by_the_librarian_is_kept_over_the_header() -> None:
    librarian = make_librarian()
    directive = add_directive(QUY_CHE, name="quy-che.txt", actor=librarian, issuer="UBND TP")
    assert directive.issuer == "UBND TP"
    assert directive.number == "12/2026/QĐ-UBND"  # read from the header

    library.update_directive(directive=directive, actor=librarian, fields={"number": "12/QĐ-UBND"})
    library.reindex_directive(directive=directive, actor=librarian)
    library.process_directive(directive.pk)
    directive.refresh_from_db()
    assert directive.number == "12/QĐ-UBND"


@pytest.mark.skipif(
    not __import__("cabinet.papers.lib.convert", fromlist=["x"]).conversion_available(),
    reason="LibreOffice is not installed",
)
def test_the_real_decree_as_docx_goes_through_conversion_and_is_cited_by_article(
    shared_data: Path,
) -> None:
    docx = shared_data / "directives" / "nd-30-2020-cong-tac-van-thu.docx"
    directive = add_directive(docx.read_bytes(), name=docx.name)

    assert directive.status == DirectiveStatus.READY, directive.error
    assert directive.number == "30/2020/NĐ-CP"
    assert directive.doc_type == "nghi_dinh"
    assert str(directive.issued_on) == "2020-03-05"
    clause = Chunk.objects.get(directive=directive, article="Điều 8", clause="2", point="")
    assert clause.heading.endswith("Điều 8 › khoản 2")

    result = answer("Văn bản điện tử được ký số bởi ai?", user=make_user())
    assert result.found
    assert any("30/2020/NĐ-CP" in q.citation.label for q in result.quotes)
    quotes_are_in_the_document(result)
    assert re.search(r"trang \d+", result.quotes[0].citation.label)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"%PDF-1.7\n" + b"\x00garbage" * 200, "unreadable"),
        ("hostile.decompression_bomb", "bomb"),
    ],
)
def test_a_hostile_pdf_is_refused_quarantined_and_never_indexed(
    content: str | bytes, reason: str, private_media: Path
) -> None:
    from tests.factories import hostile

    if isinstance(content, str):
        content = hostile.decompression_bomb()
    directive = add_directive(content, name="chi-thi.pdf")

    assert directive.status == DirectiveStatus.FAILED
    assert directive.error == reason
    assert not Chunk.objects.filter(directive=directive).exists()
    assert not directive.file  # moved out of the library's folder
    assert list((private_media / "quarantine").iterdir())


def test_article_titles_are_not_quoted_but_one_line_provisions_are() -> None:
    from assistant.answers.ask import _is_heading

    chunk = Chunk(context="Điều 9. Thẩm quyền ký văn bản", text="")
    assert _is_heading("Điều 9. Thẩm quyền ký văn bản", chunk)
    assert _is_heading("II. TỔ CHỨC THỰC HIỆN", chunk)
    assert _is_heading("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM Độc lập - Tự do - Hạnh phúc", chunk)
    assert not _is_heading(
        "Điều 1. Ban hành kèm theo Quyết định này Quy chế làm việc của Ủy ban nhân dân Thành phố.",
        Chunk(context="", text=""),
    )
    assert not _is_heading("1. Chủ tịch UBND Thành phố ký các văn bản quy phạm pháp luật.", chunk)


def test_a_quote_starts_after_the_article_title_on_the_line_above() -> None:
    """An article's title has no full stop, so the sentence splitter joins it to the provision
    under it; the quote is the provision."""
    add_directive(QUY_CHE, name="quy-che.txt")

    result = ask_an_official("Quy chế làm việc của Ủy ban nhân dân Thành phố quy định những gì?")

    assert result.found
    top = result.quotes[0]
    assert top.citation.location == "Điều 1"
    assert top.text.startswith("Quy chế này quy định nguyên tắc")
    quotes_are_in_the_document(result)


CHI_THI_SO_HOA = """ỦY BAN NHÂN DÂN THÀNH
PHỐ HÀ NỘI
Số: 05/CT-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 12 tháng 3 năm 2026
CHỈ THỊ
Về đẩy mạnh số hóa hồ sơ thủ tục hành chính
Việc số hóa hồ sơ thủ tục hành chính còn chậm. Chủ tịch UBND Thành phố chỉ thị:
1. Sở Nội vụ
a) Hướng dẫn nghiệp vụ lưu trữ hồ sơ điện tử;
b) Tổ chức bồi dưỡng kỹ năng số cho công chức.
2. Sở Tài chính
a) Chủ trì thẩm định, tham mưu bố trí kinh phí số hóa hồ sơ năm 2026 cho các cơ quan,
đơn vị; trình UBND Thành phố trước ngày 30/4/2026;
b) Hướng dẫn thanh quyết toán kinh phí số hóa.
"""


def test_a_quoted_point_says_whom_it_is_for() -> None:
    """ "a) Chủ trì thẩm định ..." alone reads as if said of anyone: the answer shows the clause
    opening it belongs to ("2. Sở Tài chính") before it, and renders it."""
    from django.template.loader import render_to_string

    add_directive(CHI_THI_SO_HOA, name="chi-thi.txt")

    result = ask_an_official("Cơ quan nào chủ trì thẩm định kinh phí số hóa hồ sơ năm 2026?")

    assert result.found
    top = result.quotes[0]
    assert top.text.startswith("a) Chủ trì thẩm định")
    assert top.lead == "2. Sở Tài chính"
    assert top.citation.location == "mục 2"
    quotes_are_in_the_document(result)
    html = render_to_string("assistant/_answer.html", {"answer": result.as_json()})
    assert '<p class="quote-lead muted">2. Sở Tài chính …</p>' in html
    # A direction's bare number is not shown as a heading under the list's own numbers.
    directions = [p for p in result.passages if p.citation.location.startswith("mục")]
    assert directions
    assert all(p.heading == "" for p in directions)


def test_the_letterhead_is_never_quoted() -> None:
    add_directive(CHI_THI_SO_HOA, name="chi-thi.txt")

    result = ask_an_official(
        "Chỉ thị ngày 12 tháng 3 năm 2026 về đẩy mạnh số hóa hồ sơ thủ tục hành chính"
    )

    assert result.quotes
    for quote in result.quotes:
        assert "Độc lập" not in quote.text, quote.text
        assert "CỘNG HÒA" not in quote.text, quote.text
        assert "05/CT-UBND" not in quote.text.split("\n")[0]


def test_searchable_papers_follow_the_reading_rules_in_few_queries(
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    """A guest searches only the papers of the item they are invited to, a member not those of a
    restricted item they are not listed on; a non-participant none; however many meetings."""
    from assistant.search.retrieval import visible_paper_ids
    from cabinet.meetings.services import meetings as meeting_services
    from tests.factories import add_item, attach, secretary_of

    meeting = make_meeting()
    invite(meeting, "chair")
    member = invite(meeting, "member")
    guest = invite(meeting, "guest")
    listed = invite(meeting, "member")
    open_item = add_item(meeting, "Nội dung chung")
    guest_item = add_item(meeting, "Nội dung có khách mời", audience=[guest])
    closed_item = add_item(meeting, "Nội dung mật", restricted=True, audience=[listed])
    meeting_services.publish_meeting(actor=secretary_of(meeting), meeting=meeting)
    general = attach(meeting, title="Tài liệu chung")
    on_open = attach(meeting, open_item, title="Báo cáo")
    on_guest = attach(meeting, guest_item, title="Tờ trình")
    on_closed = attach(meeting, closed_item, title="Tài liệu mật")
    for _ in range(4):  # more meetings of the member's, to count the queries
        other = make_meeting()
        meeting_services.invite_participant(
            actor=secretary_of(other), meeting=other, user=member.user, role="member", can_vote=True
        )

    with django_assert_max_num_queries(4):
        seen_by_member = visible_paper_ids(member.user)

    assert {general.pk, on_open.pk, on_guest.pk} <= seen_by_member
    assert on_closed.pk not in seen_by_member
    assert visible_paper_ids(guest.user) == {on_guest.pk}
    assert on_closed.pk in visible_paper_ids(listed.user)
    assert visible_paper_ids(make_user()) == set()
