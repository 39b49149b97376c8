"""Vietnamese text without its diacritics: the one source for every search, match and file name.

- ``fold`` / ``fold_aligned``: lower case, no tone marks or other diacritics, đ → d
  ("Đầu tư CÔNG" → "dau tu cong"), one character for each character, so an offset in the folded
  text is the offset in the original: the viewer's page search, the task sentences, the task
  list's search and the assistant's accentless BM25 field.
- ``strip_diacritics``: the same letters with their case kept ("Đề án" → "De an"): questions as
  typed without a Vietnamese keyboard.
- ``ascii_slug``: an ASCII file name part ("Báo cáo Đề án" → "bao-cao-de-an").

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
