"""Vietnamese alphabetical order (cabinet/core/text.py ``vietnamese_sort_key``): the alphabet
a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, tone marks only when the letters tie."""

from __future__ import annotations

from cabinet.core.text import vietnamese_sort_key


def ordered(*names: str) -> list[str]:
    return sorted(names, key=vietnamese_sort_key)


def test_d_with_stroke_sorts_after_d_and_before_e_not_after_t() -> None:
    # The issue: Đinh, Đặng, Đỗ came after Trịnh (code-point order puts Đ after every ASCII letter).
    assert ordered(
        "Trịnh Quang Vinh",
        "Đỗ Thị Minh Ngọc",
        "Đinh Công Sơn",
        "Đặng Minh Quân",
        "Dương Văn Tú",
        "Ê Văn Bảy",
    ) == [
        "Dương Văn Tú",
        "Đặng Minh Quân",
        "Đinh Công Sơn",
        "Đỗ Thị Minh Ngọc",
        "Ê Văn Bảy",
        "Trịnh Quang Vinh",
    ]


def test_letters_with_breve_circumflex_or_horn_are_letters_of_their_own() -> None:
    assert ordered("Ân", "Ăn", "Anh", "Bình") == ["Anh", "Ăn", "Ân", "Bình"]
    assert ordered("Ơn", "Ông", "Oanh") == ["Oanh", "Ông", "Ơn"]
    assert ordered("Vy", "Ưng", "Uyên") == ["Uyên", "Ưng", "Vy"]


def test_tone_marks_decide_only_between_the_same_letters() -> None:
    # ngang, huyền, hỏi, ngã, sắc, nặng: the dictionaries' order.
    assert ordered("Mạ", "Má", "Mã", "Mả", "Mà", "Ma") == ["Ma", "Mà", "Mả", "Mã", "Má", "Mạ"]
    # A tone never outweighs a letter: "Ánh" (a-n-h) before "Anh Tú" would be wrong by letters.
    assert ordered("Bá Tùng", "Ba Việt") == ["Bá Tùng", "Ba Việt"]
    assert ordered("Lý An", "Lê Bình", "Lã Cường") == ["Lã Cường", "Lê Bình", "Lý An"]


def test_case_and_composition_do_not_change_the_order() -> None:
    assert vietnamese_sort_key("ĐẶNG")[0] == vietnamese_sort_key("đặng")[0]
    decomposed = "Đa\u0323\u0306ng"  # "Đặng" typed with combining marks
    assert vietnamese_sort_key(decomposed)[:2] == vietnamese_sort_key("Đặng")[:2]
    assert ordered("an", "An", "AN") == ordered("AN", "an", "An")  # a stable, total order
