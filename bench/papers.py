"""Paper delivery and extraction figures.

    .venv/bin/python bench/papers.py [--streams 50] [--size-mb 20]

Sets up a throwaway data directory (SQLite, MEDIA_ROOT) with a user, a meeting and a ready 20 MB
paper of incompressible bytes, starts Daphne serving the project and, as the baseline, Python's
http.server serving the same file, then runs N concurrent full downloads against each (raw
HTTP/1.1 over asyncio sockets) and reports time to first byte, throughput and the server process's
memory growth per stream (VmRSS sampled from /proc). Daphne is run with three versions of the
view's streaming: the shipped one (async iterator, 128 KiB pread in a worker thread), the same
with 256 and 64 KiB chunks, and Django's FileResponse (the "before"). It also times a 64 KiB Range request
and the sandboxed text extraction (cabinet.papers.lib.pdf_probe through run_pdf_probe, as the
worker runs it) over the directive PDFs in ../shared/data/directives (beside the checkout).

`--serve VARIANT PORT` is internal: it runs Daphne in this process with the variant patched in.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))  # run as a script: the project's packages, bench.common included

from bench.common import free_port, migrated_meeting, proc_status_kb  # noqa: E402

# ../shared beside the checkout, as the README's commands expect it.
DIRECTIVES = Path(__file__).resolve().parents[2] / "shared" / "data" / "directives"
MB = 1024 * 1024


# --- Server side (runs in the Daphne subprocess) ----------------------------------------------


def serve(variant: str, port: int) -> None:
    """Run Daphne with the view's streaming replaced by `variant` (bench only)."""
    sys.path.insert(0, str(PROJECT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cabinet.settings")
    import django

    django.setup()
    from cabinet.papers.lib import delivery

    if variant.startswith("async-"):  # e.g. async-64k: the shipped iterator with another chunk size
        delivery._OpenRange.__init__.__defaults__ = (int(variant[6:-1]) * 1024,)
    elif variant == "fileresponse":
        from django.http import FileResponse, HttpRequest

        def file_response(
            request: HttpRequest,
            fd: int,
            byte_range: delivery.ByteRange,
            *,
            status: int,
            content_type: str = "application/pdf",
        ) -> FileResponse:
            # Django's own way: a sync file iterator (whole file only; the bench asks for that).
            return FileResponse(os.fdopen(fd, "rb"), status=status, content_type=content_type)

        delivery.stream_file = file_response
    from daphne.cli import CommandLineInterface

    CommandLineInterface().run(
        ["-b", "127.0.0.1", "-p", str(port), "--verbosity", "0", "realtime.asgi:application"]
    )


# --- Setup ----------------------------------------------------------------------------------------


def noise_pdf(size: int) -> bytes:
    """A valid 4-page PDF of about `size` bytes: most of it an embedded file of random bytes."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(4):
        writer.add_blank_page(width=595, height=842)
    writer.add_attachment("noise.bin", os.urandom(size))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@dataclass
class Fixture:
    url: str
    cookie: str
    path: Path
    size: int


def set_up(data_dir: Path, size_mb: int) -> Fixture:
    _unit, user, meeting = migrated_meeting(
        data_dir, starts_in=dt.timedelta(days=1), location="Phòng họp số 1"
    )
    from django.core.files.base import ContentFile
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from cabinet.models import Paper, PaperVersion, VersionStatus

    data = noise_pdf(size_mb * MB)
    digest = hashlib.sha256(data).hexdigest()
    paper = Paper.objects.create(meeting=meeting, title="Hồ sơ lớn", kind="report", created_by=user)
    # Rows written directly (the upload pipeline would extract 4 blank pages): consistent fields.
    version = PaperVersion(
        paper=paper,
        number=1,
        original_name="ho-so-lon.pdf",
        sha256=digest,
        size=len(data),
        pdf_sha256=digest,
        pdf_size=len(data),
        page_count=4,
        status=VersionStatus.READY,
        uploaded_by=user,
        ready_at=timezone.now(),
    )
    version.file.save("ho-so-lon.pdf", ContentFile(data), save=False)
    version.save()

    client = Client()
    client.force_login(user)
    url = reverse("cabinet:paper_file", args=[paper.pk, 1])
    check = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_HOST="127.0.0.1")
    assert check.status_code == 206, check.status_code
    return Fixture(
        url, f"sessionid={client.cookies['sessionid'].value}", Path(version.file.path), len(data)
    )


# --- Client and measurements ----------------------------------------------------------------------


@dataclass
class Result:
    ttfb: float
    total: float
    received: int
    status: int


async def fetch(port: int, path: str, headers: dict[str, str]) -> Result:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=4 * MB)
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    ttfb = time.perf_counter() - started
    status = int(head.split(b" ", 2)[1])
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    received = 0
    while received < length:
        chunk = await reader.read(1 * MB)
        if not chunk:
            break
        received += len(chunk)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return Result(ttfb, time.perf_counter() - started, received, status)


def rss_kb(pid: int) -> int:
    return proc_status_kb(pid, "VmRSS")


@dataclass
class Sampler:
    pid: int
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            time.sleep(0.005)


@dataclass
class Row:
    name: str
    ttfb_median: float
    ttfb_p95: float
    throughput: float
    total: float
    per_stream_mb: float
    ok: int


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run_load(
    name: str, pid: int, port: int, path: str, headers: dict[str, str], n: int, size: int
) -> Row:
    # Warm up (imports, first DB connection), then let the allocator settle before the idle figure.
    asyncio.run(fetch(port, path, headers))
    time.sleep(0.5)
    idle = rss_kb(pid)
    sampler = Sampler(pid, peak=idle)

    async def all_at_once() -> list[Result]:
        return await asyncio.gather(*(fetch(port, path, headers) for _ in range(n)))

    with sampler.running():
        started = time.perf_counter()
        results = asyncio.run(all_at_once())
        total = time.perf_counter() - started
    ttfbs = [r.ttfb for r in results]
    received = sum(r.received for r in results)
    ok = sum(1 for r in results if r.status == 200 and r.received == size)
    return Row(
        name,
        statistics.median(ttfbs),
        p95(ttfbs),
        received / MB / total,
        total,
        (sampler.peak - idle) / 1024 / n,
        ok,
    )


def range_ttfb(
    port: int, path: str, headers: dict[str, str], repeat: int = 20
) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        result = asyncio.run(fetch(port, path, headers | {"Range": "bytes=0-65535"}))
        assert result.status == 206, result
        assert result.received == 65536, result
        times.append(result.ttfb)
    return statistics.median(times), p95(times)


def concurrent_range_ttfb(
    port: int, path: str, headers: dict[str, str], n: int
) -> tuple[float, float]:
    """N Range requests at once: the cost of N permission checks queued on one server."""

    async def all_at_once() -> list[Result]:
        ask = headers | {"Range": "bytes=0-65535"}
        return await asyncio.gather(*(fetch(port, path, ask) for _ in range(n)))

    times = [result.ttfb for result in asyncio.run(all_at_once())]
    return statistics.median(times), p95(times)


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


@contextlib.contextmanager
def server(argv: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        argv, env=env, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- Extraction -------------------------------------------------------------------------------


def extraction_rate() -> list[tuple[str, int, float]]:
    from cabinet.papers.lib.sandbox import parse_json_line
    from cabinet.papers.services.processing import run_pdf_probe

    rows = []
    for pdf in sorted(DIRECTIVES.glob("*.pdf")):
        pages = 0

        def on_line(line: str) -> None:
            nonlocal pages
            message = parse_json_line(line)
            if message is not None and "page" in message:
                pages += 1

        started = time.perf_counter()
        outcome = run_pdf_probe(pdf, on_line=on_line)
        elapsed = time.perf_counter() - started
        assert outcome.ok, outcome.stderr_tail
        rows.append((pdf.name, pages, elapsed))
    return rows


def watermark_time(pages: int = 300) -> tuple[int, float, int, int]:
    """Stamp a `pages`-page document made of the directive PDFs' pages (text, real fonts)."""
    from pypdf import PdfReader, PdfWriter

    from cabinet.papers.lib.watermark import stamp_pdf

    sources = [PdfReader(p) for p in sorted(DIRECTIVES.glob("*.pdf"))]
    writer = PdfWriter()
    while len(writer.pages) < pages:
        for reader in sources:
            for page in reader.pages:
                if len(writer.pages) < pages:
                    writer.add_page(page)
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.pdf", Path(tmp) / "out.pdf"
        writer.write(source)
        lines = ["Nguyễn Văn A", "Sở Tài chính", "22/11/2026 14:05", "Phiên họp thường kỳ"]
        started = time.perf_counter()
        count = stamp_pdf(source, target, lines)
        elapsed = time.perf_counter() - started
        return count, elapsed, source.stat().st_size, target.stat().st_size


# --- Main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--size-mb", type=int, default=20)
    parser.add_argument("--serve", nargs=2, metavar=("VARIANT", "PORT"))
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], int(args.serve[1]))
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-papers-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "cabinet.settings",
        "DATA_DIR": str(tmp / "data"),
        "MEDIA_ROOT": str(tmp / "media"),
        "DEBUG": "0",
        "SECRET_KEY": "bench-" + os.urandom(16).hex(),
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(PROJECT),
    }
    os.environ.update(env)
    for name in ("DATABASE_URL", "REDIS_URL"):
        os.environ.pop(name, None)
    sys.path.insert(0, str(PROJECT))
    try:
        run(tmp, env, args.streams, args.size_mb)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, env: dict[str, str], n: int, size_mb: int) -> None:
    fixture = set_up(tmp, size_mb)
    print(f"{os.cpu_count()} CPUs; paper {fixture.size / MB:.1f} MB; {n} concurrent full downloads")
    headers = {"Cookie": fixture.cookie}
    rows: list[Row] = []
    ranges: dict[str, tuple[float, float]] = {}
    # async-128k is what ships (cabinet.papers.lib.delivery.CHUNK_SIZE); fileresponse is Django's
    # FileResponse.
    for variant in ("async-128k", "async-256k", "async-64k", "fileresponse"):
        port = free_port()
        argv = [sys.executable, str(Path(__file__).resolve()), "--serve", variant, str(port)]
        with server(argv, env, port) as process:
            if variant != "fileresponse":
                ranges[variant + ", one at a time"] = range_ttfb(port, fixture.url, headers)
                ranges[variant + f", {n} at once"] = concurrent_range_ttfb(
                    port, fixture.url, headers, n
                )
            rows.append(
                run_load(
                    f"Daphne {variant}", process.pid, port, fixture.url, headers, n, fixture.size
                )
            )

    port = free_port()
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    argv += ["--directory", str(fixture.path.parent)]
    with server(argv, env, port) as process:
        path = "/" + fixture.path.name
        rows.append(
            run_load("http.server (baseline)", process.pid, port, path, {}, n, fixture.size)
        )
    print_rows(rows, n)
    print()
    for variant, (median, high) in ranges.items():
        print(
            f"Range bytes=0-65535, Daphne {variant}: TTFB median "
            f"{median * 1000:.1f} ms, p95 {high * 1000:.1f} ms"
        )

    print()
    count, elapsed, before, after = watermark_time()
    print(
        f"Watermark: {count} pages in {elapsed:.2f} s ({count / elapsed:.0f} pages/s); "
        f"{before / 1024:.0f} KiB -> {after / 1024:.0f} KiB"
    )
    print()
    print(
        "Extraction (cabinet.papers.lib.pdf_probe in the sandbox, single-threaded: pages/s = per core):"
    )
    total_pages, total_time = 0, 0.0
    for name, pages, elapsed in extraction_rate():
        total_pages += pages
        total_time += elapsed
        print(f"  {name:45} {pages:4d} pages {elapsed:6.2f} s {pages / elapsed:7.1f} pages/s")
    print(
        f"  {'all':45} {total_pages:4d} pages {total_time:6.2f} s "
        f"{total_pages / total_time:7.1f} pages/s per core"
    )


def print_rows(rows: list[Row], n: int) -> None:
    base = rows[-1]
    print()
    header = (
        f"{'server':26} {'ok':>5} {'TTFB med':>9} {'TTFB p95':>9} {'MB/s':>8} "
        f"{'total s':>8} {'MB/stream':>10} {'MB/s vs base':>13}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.name:26} {row.ok:>2}/{n:<2} {row.ttfb_median * 1000:7.1f}ms "
            f"{row.ttfb_p95 * 1000:7.1f}ms {row.throughput:8.1f} {row.total:8.2f} "
            f"{row.per_stream_mb:10.2f} {row.throughput / base.throughput:12.2f}x"
        )
    print(
        "MB/stream = (peak VmRSS during the run - idle VmRSS) / streams. Goals: <= 1 MB, TTFB <= 50 ms."
    )


if __name__ == "__main__":
    main()
