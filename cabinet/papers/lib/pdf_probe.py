"""Read a PDF's page count and the text of every page; meant to run inside cabinet.papers.lib.sandbox.

Usage: python -m cabinet.papers.lib.pdf_probe PATH MAX_PAGES [CLEAN_PATH]
Prints JSON lines: {"pages": N} first (after the cheap checks and before any text is extracted),
then {"page": i, "text": "..."} for each page, then {"done": true}. A refusal is one line
{"error": CODE} and exit status 2. Imports nothing from Django: it parses hostile input and should
carry as little as possible.

With CLEAN_PATH, the document's active content (scripts, automatic actions, embedded files, XFA:
see cabinet.papers.lib.pdf_active) is looked for once the text is read; if there is any, a copy without it is
written to CLEAN_PATH and {"active_content": {CODE: COUNT, ...}} is printed before "done" (an
empty dict and no file when there is none). It is done here because this is where the hostile file
is parsed anyway: the web server and the worker never parse an upload themselves.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import PdfReader

ERROR_EXIT = 2


def emit(value: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(code: str) -> None:
    emit({"error": code})
    raise SystemExit(ERROR_EXIT)


def main(path: str, max_pages: int, clean_path: str | None = None) -> None:
    with open(path, "rb") as handle:
        if handle.read(5) != b"%PDF-":
            fail("not_pdf")
    # pypdf is imported after the cheap check: it is the heavy part.
    from pypdf import PdfReader  # noqa: PLC0415 (heavy)
    from pypdf.errors import FileNotDecryptedError, LimitReachedError, PdfReadError  # noqa: PLC0415 (heavy)

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
    if clean_path is not None:
        emit({"active_content": clean(reader, clean_path)})
    emit({"done": True})


def clean(reader: PdfReader, clean_path: str) -> dict[str, int]:
    """Write the document without its active content to clean_path, if it has any."""
    # These import pypdf: like main(), past the cheap check only.
    from pypdf import PdfWriter  # noqa: PLC0415 (heavy)
    from pypdf.errors import PyPdfError  # noqa: PLC0415 (heavy)

    from cabinet.papers.lib.pdf_active import (  # noqa: PLC0415 (imports pypdf)
        TooComplex,
        find_active_content,
        strip_active_content,
    )

    found: dict[str, int] = {}
    try:
        found = find_active_content(reader)
        if found:
            writer = PdfWriter(clone_from=reader)
            strip_active_content(writer)
            with open(clean_path, "wb") as out:
                writer.write(out)
    except TooComplex:
        fail("limits")
    except OSError:
        # Past the file-size limit the sandbox set (RLIMIT_FSIZE): a copy that grows that much
        # is no meeting paper. A file that cannot be cleaned is never served as it is.
        fail("limits")
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        fail("unreadable")
    return found


if __name__ == "__main__":
    sys.setrecursionlimit(3000)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
