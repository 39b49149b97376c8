"""Vietnamese text without its diacritics: the one source for every search, match and file name.

- ``fold`` / ``fold_aligned``: lower case, no tone marks or other diacritics, đ → d
  ("Đầu tư CÔNG" → "dau tu cong"), one character for each character, so an offset in the folded
  text is the offset in the original: the viewer's page search, the task sentences, the task
  list's search and the assistant's accentless BM25 field.
- ``strip_diacritics``: the same letters with their case kept ("Đề án" → "De an"): questions as
  typed without a Vietnamese keyboard.
- ``ascii_slug``: an ASCII file name part ("Báo cáo Đề án" → "bao-cao-de-an").
- ``vietnamese_sort_key``: Vietnamese alphabetical order (Đặng before Trịnh), for lists of people.

"đ" and "Đ" need their own rule: they are letters of their own, not "d" plus a mark, so Unicode
does not decompose them. A combining mark is one with a non-zero canonical combining class.
"""

from __future__ import annotations

import re
import unicodedata


def strip_diacritics(text: str, *, compatibility: bool = False) -> str:
    """``text`` without tone marks or other diacritics, đ → d and Đ → D, case kept.

    Decomposed with NFD, or with NFKD when ``compatibility`` (which also splits ligatures and
    full-width forms: "ﬁ" → "fi", "Ａ" → "A"); combining input ("e" + U+0301) gives the same as
    precomposed ("é"). The result is not aligned with ``text``.
    """
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD" if compatibility else "NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_char(char: str) -> str:
    """One character lower-cased without its diacritics, đ → d: "Ồ" → "o", "Đ" → "d".

    Always exactly one character: one that does not fold to a single letter stays as it is
    (lower-cased when that is one character too): a combining mark NFC could not attach to its
    letter, a Hangul syllable (which decomposes into several letters).
    """
    base = strip_diacritics(char).lower()
    if len(base) == 1:
        return base
    lower = char.lower()
    return lower if len(lower) == 1 else char


def fold_aligned(text: str) -> str:
    """``text`` folded character by character, without normalising it first: ``result[i]`` is
    the folding of ``text[i]``, so a match in the result cuts the same span from ``text``."""
    return "".join(fold_char(c) for c in text)


def fold(text: str) -> str:
    """Accent- and case-insensitive form of a text: "Đầu tư CÔNG" → "dau tu cong".

    NFC first, so combining and precomposed input fold alike; offsets in the result are offsets
    in ``unicodedata.normalize("NFC", text)``.
    """
    return fold_aligned(unicodedata.normalize("NFC", text))


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by "-", for a download's file name:
    "Báo cáo Đề án 06/2026" → "bao-cao-de-an-06-2026". What has no ASCII form is dropped."""
    plain = strip_diacritics(text, compatibility=True)
    ascii_text = plain.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


# The Vietnamese alphabet, with the Latin letters it lacks (f j w z: foreign names) where the Latin
# alphabet has them. ă â đ ê ô ơ ư are letters of their own, each after its base letter.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_LETTER_RANK = {letter: rank for rank, letter in enumerate(_ALPHABET, start=1)}
# The marks that make a letter (breve, circumflex, horn) and the tone marks in the dictionaries'
# order: ngang (none), huyền, hỏi, ngã, sắc, nặng.
_LETTER_MARKS = frozenset("\u0306\u0302\u031b")
_TONE_RANK = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
_DIGITS_FIRST = 100  # digits sort before letters, letters before anything else
_LETTERS_FROM = 200
_OTHERS_FROM = 1000


def vietnamese_sort_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...], str]:
    """A key that sorts in Vietnamese alphabetical order: "Dương" < "Đặng" < "Đinh" < "Đỗ" <
    "Trịnh" (sorting by code point puts every Đ after Z).

    Letters first, over the whole text (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x
    y); the tone marks only between texts with the same letters ("Ma" < "Mà" < "Mả" < "Mã" <
    "Má" < "Mạ"); then the text itself, so the order is total. Case and composition (combining or
    precomposed marks) do not change the first two parts. Spaces sort before any letter, so
    "An Bình" comes before "Anh".
    """
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char.lower())
        base, marks = decomposed[0], decomposed[1:]
        letter = unicodedata.normalize(
            "NFC", base + "".join(m for m in marks if m in _LETTER_MARKS)
        )
        if letter in _LETTER_RANK:
            letters.append(_LETTERS_FROM + _LETTER_RANK[letter])
        elif base.isspace():
            letters.append(0)
        elif base.isdigit():
            letters.append(_DIGITS_FIRST + unicodedata.digit(base, 0))
        else:
            letters.append(_OTHERS_FROM + ord(base))
        tones.append(max((_TONE_RANK.get(m, 0) for m in marks), default=0))
    return tuple(letters), tuple(tones), text
