"""Tone marks restored from the library's words, for questions typed without them."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from assistant.search import text as vt
from assistant.search.diacritics import ToneRestorer
from assistant.search.index import (
    WEIGHTS_ACCENTED,
    WEIGHTS_FOLDED,
    WEIGHTS_RESTORED,
    LibraryIndex,
    Row,
)

LIBRARY = [
    "Giao Sở Nội vụ chủ trì, phối hợp với Sở Tài chính rà soát biên chế.",
    "Sở Thông tin và Truyền thông chủ trì số hóa hồ sơ, kết quả giải quyết thủ tục hành chính.",
    "Đẩy mạnh chuyển đổi số trong cơ quan nhà nước; số hóa hồ sơ lưu trữ.",
    "Thông báo kết luận cuộc họp được ban hành chậm nhất 05 ngày làm việc.",
    "Văn bản số 05/CT-UBND của Ủy ban nhân dân Thành phố.",
]


def restorer_for(texts: list[str]) -> ToneRestorer:
    model = bm25s.BM25()
    model.index([vt.terms(t) for t in texts], show_progress=False)
    frequencies = np.diff(np.asarray(model.scores["indptr"]))
    return ToneRestorer(model.vocab_dict, lambda term_id: int(frequencies[term_id]))


def test_the_neighbouring_syllable_decides_between_readings() -> None:
    """ "so" is số, sở or sơ: the library's own pairs tell which."""
    restored, known = restorer_for(LIBRARY).restore("so noi vu chu tri so hoa ho so")
    assert restored == "sở nội vụ chủ trì số hoá hồ sơ"  # the one tone style
    assert known == 1.0


def test_unknown_syllables_stay_as_typed_and_lower_the_known_share() -> None:
    restored, known = restorer_for(LIBRARY).restore("thong bao ket luan xyzzy qwerty")
    assert restored == "thông báo kết luận xyzzy qwerty"
    assert known == pytest.approx(4 / 6)


def test_punctuation_separates_what_is_restored() -> None:
    restored, _known = restorer_for(LIBRARY).restore("chuyen doi so; so hoa ho so")
    assert restored == "chuyển đổi số. số hoá hồ sơ"


def build_index(texts: list[str]) -> LibraryIndex:
    rows = [Row(chunk_id=n, directive_id=n, paper_id=0, meeting_id=0) for n in range(1, 6)]
    vectors = np.eye(len(texts), 8, dtype=np.float32)
    return LibraryIndex.build(rows=rows, texts=texts, vectors=vectors)


def test_the_model_reads_a_restored_question_or_nothing() -> None:
    index = build_index(LIBRARY)
    assert index.text_for_model("Sở nào chủ trì số hóa?", readable=None) == "Sở nào chủ trì số hóa?"
    assert (
        index.text_for_model("so tai chinh ra soat bien che", readable=None)
        == "sở tài chính rà soát biên chế"
    )
    # Too little of it known: the model would read folded Vietnamese (it cannot): nothing.
    assert index.text_for_model("abc xyz qwerty so hoa", readable=None) is None


def test_a_folded_question_uses_the_model_only_when_it_could_be_restored() -> None:
    index = build_index(LIBRARY)
    assert (
        index.default_weights("Sở nào chủ trì?", has_vector=True, readable=None) == WEIGHTS_ACCENTED
    )
    assert (
        index.default_weights("so noi vu chu tri", has_vector=True, readable=None)
        == WEIGHTS_RESTORED
    )
    assert (
        index.default_weights("abc xyz qwerty so noi vu", has_vector=False, readable=None)
        == WEIGHTS_FOLDED
    )

    vector = np.eye(1, 8, dtype=np.float32)[0]  # the first passage's vector
    hits = index.search("so noi vu chu tri", query_vector=vector)
    assert index.rows[hits[0].row].chunk_id == 1
    assert hits[0].dense_rank == 1  # the model's ranking took part
    hits = index.search("abc xyz qwerty so noi vu", query_vector=None)
    assert index.rows[hits[0].row].chunk_id == 1  # the folded field alone still finds it
    assert hits[0].dense_rank is None


@pytest.mark.parametrize(
    ("written", "other"),
    [
        ("hòa", "hoà"),
        ("thủy", "thuỷ"),
        ("khỏe", "khoẻ"),
        ("ủy", "uỷ"),
        ("qúy", "quý"),  # a misplaced mark
    ],
)
def test_both_tone_spellings_are_one_term(written: str, other: str) -> None:
    assert vt.one_tone_style(written) == vt.one_tone_style(other)
    assert vt.terms(f"Cộng {written} xã hội") == vt.terms(f"Cộng {other} xã hội")


@pytest.mark.parametrize(
    "syllable", ["người", "giữa", "quốc", "tuyển", "nghĩa", "của", "hoàn", "ngoài", "rượu", "gì"]
)
def test_syllables_with_one_tone_place_are_unchanged(syllable: str) -> None:
    assert vt.one_tone_style(syllable) == syllable


def test_a_question_finds_a_passage_spelled_the_other_way() -> None:
    index = build_index(
        [
            "Tổ hoà giải ở cơ sở do Ủy ban nhân dân cấp xã thành lập.",
            "Ban thanh tra nhân dân giám sát việc thực hiện chính sách.",
            "Thủ tục đăng ký thường trú.",
            "Quỹ phát triển đất của Thành phố.",
            "Tổ chức lại đơn vị sự nghiệp công lập.",
        ]
    )
    hits = index.search("thành lập tổ hòa giải", query_vector=None)
    assert index.rows[hits[0].row].chunk_id == 1
    assert hits[0].bm25_rank == 1


def test_a_common_syllable_before_an_unseen_pair_is_not_penalised() -> None:
    """ "sở" is common and "sở nào" is in no document: that must not make "giáo sổ" win."""
    restored, _known = restorer_for(LIBRARY).restore("chuyen doi so giao so nao chu tri")
    assert restored == "chuyển đổi số giao sở nào chủ trì"


def test_question_words_are_known_even_when_the_library_lacks_them() -> None:
    restored, known = restorer_for(LIBRARY).restore("ket luan cuoc hop duoc ban hanh bao lau")
    assert restored == "kết luận cuộc họp được ban hành bao lâu"
    assert known == 1.0


def test_each_reader_gets_the_words_of_the_rows_they_may_read_only() -> None:
    """A syllable only a hidden row holds is no reading: it stays as typed, and the pairs of the
    hidden rows do not choose between readings either."""
    index = build_index([*LIBRARY[:4], "Phương án khuê trúc lục lạng tại kho tiếp nhận."])
    hidden = np.array([True, True, True, True, False])

    assert index.text_for_model("khue truc luc lang", readable=None) == "khuê trúc lục lạng"
    assert index.text_for_model("khue truc luc lang", readable=hidden) is None
    restored = index.text_for_model("so noi vu chu tri so hoa ho so khue", readable=hidden)
    assert restored == "sở nội vụ chủ trì số hoá hồ sơ khue"
    # Officials with the same access share one restorer; another access gets its own.
    assert index.tone_restorer(hidden) is index.tone_restorer(hidden.copy())
    assert index.tone_restorer(hidden) is not index.tone_restorer(None)
    assert index.tone_restorer(np.ones(5, dtype=bool)) is index.tone_restorer(None)
