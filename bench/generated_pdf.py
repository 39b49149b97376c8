"""Generated documents' PDFs: N concurrent first downloads of one document, before and after.

    .venv/bin/python bench/generated_pdf.py [--concurrent 10] [--hits 20]

Builds a conclusion-notice-like document (cabinet.decree30) in a throwaway MEDIA_ROOT and, from N
threads released at once, as N requests do:
- baseline: each converts the DOCX with LibreOffice (cabinet.decree30.docx_to_pdf, what every
  download did before cabinet/generated.py);
- shipped: each asks cabinet.generated.pdf_for (one conversion under the lock, the others wait
  and read its file);
and prints each run's wall time, the per-request latency (median, max) and the LibreOffice
conversions started, then the time of a download whose PDF is already kept (median of --hits).
Needs LibreOffice. On a shared 2-core machine compare rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Converting "):
            self.count += 1


def _document() -> object:
    from cabinet.decree30 import AdminDocument, Block, Signature

    blocks = [Block.of("section", "I. Đánh giá chung")]
    for n in range(1, 13):
        blocks.append(Block.of("item", f"{n}. Về nhiệm vụ thứ {n}"))
        blocks.append(
            Block.of(
                "body",
                "Giao Sở Tài chính chủ trì, phối hợp với Sở Nội vụ rà soát, tổng hợp nhu cầu kinh "
                "phí thực hiện Đề án 06 năm 2026; báo cáo UBND Thành phố trước ngày 15/02/2026.",
            )
        )
    return AdminDocument(
        parent_body="UBND thành phố Hà Nội",
        issuing_body="Văn phòng",
        number="Số: 05/TB-VP",
        place_date="Hà Nội, ngày 05 tháng 01 năm 2026",
        doc_type="Thông báo",
        summary="Kết luận của Chủ tịch UBND Thành phố tại cuộc họp về Đề án 06",
        blocks=tuple(blocks),
        recipients=("Chủ tịch UBND Thành phố (để b/c)", "Lưu: VT, TH."),
        signatures=(Signature(("TL. Chủ tịch", "Chánh Văn phòng"), "Nguyễn Văn An"),),
        draft=False,
        title="Thông báo kết luận về Đề án 06",
    )


def _burst(n: int, work: Callable[[], bytes]) -> tuple[float, list[float]]:
    start = threading.Barrier(n)

    def one(_i: int) -> float:
        start.wait()
        began = time.perf_counter()
        work()
        return time.perf_counter() - began

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=n) as pool:
        latencies = list(pool.map(one, range(n)))
    return time.perf_counter() - began, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--hits", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-generated-") as tmp:
        os.environ["DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
        os.environ["LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        from cabinet.convert import conversion_available
        from cabinet.decree30 import docx_to_pdf, render_docx
        from cabinet.generated import pdf_for

        if not conversion_available():
            sys.exit("LibreOffice is not installed")
        docx = render_docx(_document())  # type: ignore[arg-type]
        counter = _Counter()
        generated_log = logging.getLogger("cabinet.generated")
        generated_log.addHandler(counter)
        generated_log.setLevel(logging.INFO)
        generated_log.propagate = False

        n = args.concurrent
        print(f"{n} concurrent first downloads of one document ({len(docx)} B DOCX)")
        print(f"{'':10} {'wall s':>8} {'median s':>9} {'max s':>7} {'conversions':>12}")
        wall, lat = _burst(n, lambda: docx_to_pdf(docx))
        print(f"{'baseline':10} {wall:8.1f} {statistics.median(lat):9.1f} {max(lat):7.1f} {n:12d}")
        wall, lat = _burst(n, lambda: pdf_for(docx, kind="notice"))
        print(
            f"{'shipped':10} {wall:8.1f} {statistics.median(lat):9.1f} {max(lat):7.1f}"
            f" {counter.count:12d}"
        )
        hits = []
        for _ in range(args.hits):
            began = time.perf_counter()
            pdf_for(render_docx(_document()), kind="notice")  # type: ignore[arg-type]
            hits.append(time.perf_counter() - began)
        print(
            f"kept PDF (DOCX built, hashed, file read): median "
            f"{statistics.median(hits) * 1000:.0f} ms over {args.hits}; "
            f"conversions still {counter.count}"
        )


if __name__ == "__main__":
    main()
