"""Generated documents' PDFs: what N first downloads of one document cost the web process.

    .venv/bin/python bench/generated_pdf.py [--concurrent 10] [--hits 20]

Daphne runs every sync view of a process on one thread. This builds a conclusion-notice-like
document (cabinet.records.documents.decree30) in a throwaway DATA_DIR/MEDIA_ROOT (SQLite, migrated),
and on one thread standing for that sync thread queues N downloads of the same new document and then
one
other page (a database read), as when N readers click at once and someone else then opens a page:
- in the request (main before this change): tasks run at once, so the first download converts
  with LibreOffice on the thread and the others then find the kept file;
- worker (shipped): the database task backend; the first download enqueues the conversion and
  every one answers 202; the worker (here a thread of its own, running the enqueued task as
  `manage.py worker` does) converts once.
It prints each download's latency from the click (median, max), how long the other page waited,
the LibreOffice conversions started on the web thread and elsewhere, and the tasks enqueued; then
how long the worker took, and the latency of a download whose PDF is kept (median of --hits).
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
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WEB_THREAD = "sync-view-thread"


class _Counter(logging.Handler):
    """Counts the conversions cabinet.records.generated starts, by the thread that starts them."""

    def __init__(self) -> None:
        super().__init__()
        self.on_web_thread = 0
        self.elsewhere = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("Converting "):
            if (record.threadName or "").startswith(WEB_THREAD):
                self.on_web_thread += 1
            else:
                self.elsewhere += 1


def _document(tag: str) -> object:
    from cabinet.records.documents.decree30 import AdminDocument, Block, Signature

    blocks = [Block.of("section", f"I. Đánh giá chung ({tag})")]
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


def _download(tag: str) -> str:
    """What the notice's PDF view does: build the DOCX, then ask for its PDF."""
    from cabinet.records.documents.decree30 import render_docx
    from cabinet.records.generated import PdfStatus, request_pdf

    job = request_pdf(render_docx(_document(tag)), kind="notice")  # type: ignore[arg-type]
    if job.status is PdfStatus.READY:
        job.read()
    return job.status.value


def _burst(n: int, tag: str) -> tuple[list[float], float, list[str]]:
    """N downloads then one other page, queued at once on the one sync thread."""
    from django.db import close_old_connections

    from cabinet.models import User

    def other_page() -> int:
        return User.objects.count()

    clicked = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix=WEB_THREAD) as thread:
        downloads: list[Future[str]] = [thread.submit(_download, tag) for _ in range(n)]
        done_at: list[float] = []
        for future in downloads:
            future.add_done_callback(lambda _f: done_at.append(time.perf_counter()))
        other = thread.submit(other_page)
        other.result()
        other_wait = time.perf_counter() - clicked
        states = [future.result() for future in downloads]
        thread.submit(close_old_connections).result()
    return [t - clicked for t in done_at], other_wait, states


def _run_worker() -> float:
    """Run the enqueued conversions as the worker does, on a thread of its own."""
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    began = time.perf_counter()

    def work() -> None:
        try:
            for result in DBTaskResult.objects.filter(status="READY"):
                arguments = result.args_kwargs
                result.task.call(*arguments["args"], **arguments["kwargs"])
                result.delete()
        finally:
            connection.close()

    worker = threading.Thread(target=work, name="worker")
    worker.start()
    worker.join()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--hits", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-generated-") as tmp:
        os.environ["DATA_DIR"] = str(Path(tmp) / "data")
        os.environ["MEDIA_ROOT"] = str(Path(tmp) / "media")
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
        os.environ["LOG_LEVEL"] = "WARNING"
        import django

        django.setup()
        from django.core.management import call_command
        from django.test.utils import override_settings
        from django_tasks_db.models import DBTaskResult

        from cabinet.papers.lib.convert import conversion_available

        if not conversion_available():
            sys.exit("LibreOffice is not installed")
        call_command("migrate", verbosity=0)
        counter = _Counter()
        generated_log = logging.getLogger("cabinet.records.generated")
        generated_log.addHandler(counter)
        generated_log.setLevel(logging.INFO)
        generated_log.propagate = False

        n = args.concurrent
        print(f"{n} first downloads of one document, then one other page, on one sync thread")
        print(
            f"{'':22} {'median s':>9} {'max s':>7} {'other page s':>13} {'answers':>12}"
            f" {'conv. web':>10} {'conv. else':>11} {'tasks':>6}"
        )
        modes = [
            ("in the request (main)", "django_tasks.backends.immediate.ImmediateBackend"),
            ("worker (shipped)", "django_tasks_db.DatabaseBackend"),
        ]
        for label, backend in modes:
            before_web, before_else = counter.on_web_thread, counter.elsewhere
            with override_settings(TASKS={"default": {"BACKEND": backend}}):
                latencies, other_wait, states = _burst(n, tag=label)
                tasks = DBTaskResult.objects.count()
                worker_seconds = _run_worker() if tasks else 0.0
            answers = ",".join(f"{states.count(s)}×{s}" for s in sorted(set(states)))
            print(
                f"{label:22} {statistics.median(latencies):9.3f} {max(latencies):7.3f}"
                f" {other_wait:13.3f} {answers:>12} {counter.on_web_thread - before_web:10d}"
                f" {counter.elsewhere - before_else:11d} {tasks:6d}"
            )
            if tasks:
                print(f"{'':22} the worker made the PDF in {worker_seconds:.1f} s")
        hits = []
        for _ in range(args.hits):
            began = time.perf_counter()
            assert _download("worker (shipped)") == "ready"
            hits.append(time.perf_counter() - began)
        print(
            f"kept PDF (DOCX built, hashed, file read): median "
            f"{statistics.median(hits) * 1000:.0f} ms over {args.hits}"
        )


if __name__ == "__main__":
    main()
