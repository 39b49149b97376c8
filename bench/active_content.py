"""What stripping active content costs: the sandboxed reader and the watermark, before and after.

    .venv/bin/python bench/active_content.py [--pages 300] [--repeat 3]

1. The sandboxed reader (cabinet.papers.lib.pdf_probe through run_pdf_probe, as the worker runs it) over a
   `--pages`-page paper made of the directive PDFs' pages, without a clean path (what it did
   before: pages and text only) and with one (now: the active-content scan as well). The paper has
   no active content, the usual case: the scan finds nothing and no copy is written.
2. The same paper with active content on every page (a page /AA running a script, a Launch link)
   and a JavaScript /OpenAction: the reader with a clean path writes the cleaned copy; its size is
   printed against the upload's.
3. The watermark of the clean paper (cabinet.papers.lib.watermark.stamp_pdf) with the strip (now) and with
   strip_active_content replaced by a no-op (before).

Medians of `--repeat` runs; the baseline of each row is measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))
# ../shared beside the checkout, as the README's commands expect it.
DIRECTIVES = Path(__file__).resolve().parents[2] / "shared" / "data" / "directives"


def build_paper(target: Path, pages: int, *, active: bool) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    sources = [PdfReader(p) for p in sorted(DIRECTIVES.glob("*.pdf"))]
    writer = PdfWriter()
    while len(writer.pages) < pages:
        for reader in sources:
            for page in reader.pages:
                if len(writer.pages) < pages:
                    writer.add_page(page)

    def action(kind: str, **entries: object) -> DictionaryObject:
        value = DictionaryObject({NameObject("/S"): NameObject(kind)})
        for key, item in entries.items():
            value[NameObject(f"/{key}")] = item
        return value

    if active:
        script = TextStringObject("app.alert('x')")
        writer.root_object[NameObject("/OpenAction")] = action("/JavaScript", JS=script)
        for page in writer.pages:
            page[NameObject("/AA")] = DictionaryObject(
                {NameObject("/O"): action("/JavaScript", JS=script)}
            )
            link = DictionaryObject(
                {
                    NameObject("/Type"): NameObject("/Annot"),
                    NameObject("/Subtype"): NameObject("/Link"),
                    NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (0, 0, 50, 50)]),
                    NameObject("/A"): action("/Launch", F=TextStringObject("cmd.exe")),
                }
            )
            page[NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    with target.open("wb") as out:
        writer.write(out)


def probe_seconds(pdf: Path, clean_into: Path | None) -> float:
    from cabinet.papers.services.processing import run_pdf_probe

    if clean_into is not None and clean_into.exists():
        clean_into.unlink()
    started = time.perf_counter()
    outcome = run_pdf_probe(pdf, on_line=lambda line: None, clean_into=clean_into)
    elapsed = time.perf_counter() - started
    assert outcome.ok, outcome.stderr_tail
    return elapsed


def median(repeat: int, run: Callable[[], float]) -> float:
    return statistics.median(run() for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
    import django

    django.setup()
    from cabinet.papers.lib import watermark

    with tempfile.TemporaryDirectory(prefix="bench-active-") as tmp:
        work = Path(tmp)
        clean, active = work / "clean.pdf", work / "active.pdf"
        build_paper(clean, args.pages, active=False)
        build_paper(active, args.pages, active=True)
        out = work / "out.pdf"
        print(f"{args.pages}-page paper from the directive PDFs; medians of {args.repeat} runs")

        before = median(args.repeat, lambda: probe_seconds(clean, None))
        after = median(args.repeat, lambda: probe_seconds(clean, out))
        assert not out.exists()  # nothing found: no copy written
        print(f"reader, clean paper:   before {before:6.2f} s   with the scan {after:6.2f} s")

        before = median(args.repeat, lambda: probe_seconds(active, None))
        after = median(args.repeat, lambda: probe_seconds(active, out))
        print(
            f"reader, active paper:  before {before:6.2f} s   scan + cleaned copy {after:6.2f} s"
            f"   (upload {active.stat().st_size / 1e6:.2f} MB,"
            f" cleaned {out.stat().st_size / 1e6:.2f} MB)"
        )

        lines = ["Nguyễn Văn A", "Sở Tài chính", "22/11/2026 14:05", "Phiên họp thường kỳ"]

        def stamp() -> float:
            started = time.perf_counter()
            watermark.stamp_pdf(clean, out, lines)
            return time.perf_counter() - started

        after = median(args.repeat, stamp)
        # "before": the watermark module's own name for the strip, replaced by a no-op.
        original = getattr(watermark, "strip_active_content")  # noqa: B009
        setattr(watermark, "strip_active_content", lambda writer: {})  # noqa: B010
        try:
            before = median(args.repeat, stamp)
        finally:
            setattr(watermark, "strip_active_content", original)  # noqa: B010
        print(f"watermark, clean paper: before {before:6.2f} s   with the strip {after:6.2f} s")


if __name__ == "__main__":
    main()
