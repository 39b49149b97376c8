"""Read a PDF's page count and the text of every page; meant to run inside cabinet.sandbox.

Usage: python -m cabinet.pdf_probe PATH MAX_PAGES
Prints JSON lines: {"pages": N} first (after the cheap checks and before any text is extracted),
then {"page": i, "text": "..."} for each page, then {"done": true}. A refusal is one line
{"error": CODE} and exit status 2. Imports nothing from Django: it parses hostile input and should
carry as little as possible.
"""

from __future__ import annotations

import json
import sys
import unicodedata

ERROR_EXIT = 2


def emit(value: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(code: str) -> None:
    emit({"error": code})
    raise SystemExit(ERROR_EXIT)


def main(path: str, max_pages: int) -> None:
    with open(path, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            fail("not_pdf")
    from pypdf import PdfReader  # imported after the cheap check: it is the heavy part
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            fail("encrypted")
        page_count = len(reader.pages)
    except (
        LimitReachedError,  # e.g. a page tree nested deeper than pypdf allows
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
    ):
        fail("unreadable")
    if page_count < 1:
        fail("no_pages")
    if page_count > max_pages:
        emit({"pages": page_count})
        fail("too_many_pages")
    emit({"pages": page_count})
    for number in range(1, page_count + 1):
        page = reader.pages[number - 1]
        try:
            # Inflate the content first: extract_text() swallows pypdf's decompression limit and
            # returns "", which would let a decompression bomb pass as a blank page.
            contents = page.get_contents()
            if contents is not None:
                contents.get_data()
            text = page.extract_text() or ""
        except FileNotDecryptedError:
            fail("encrypted")
        except LimitReachedError:
            # pypdf stopped inflating a stream past its output cap: a decompression bomb.
            fail("bomb")
        except RecursionError:
            fail("unreadable")
        except Exception:
            # One page whose text cannot be read (an odd font, a broken content stream) does not
            # make the paper unreadable: it is shown by pdf.js all the same, just not searchable.
            text = ""
        emit({"page": number, "text": unicodedata.normalize("NFC", text)})
    emit({"done": True})


if __name__ == "__main__":
    sys.setrecursionlimit(3000)
    main(sys.argv[1], int(sys.argv[2]))
