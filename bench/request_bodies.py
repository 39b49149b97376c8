"""Large request bodies: the server's memory and the other users' wait.

    .venv/bin/python bench/request_bodies.py [--servers daphne,ours] [--attempt-mb 150]
                                             [--upload-mb 60] [--parallel 4]

Sets up a throwaway data directory (SQLite, MEDIA_ROOT) with a secretary who may organise a
meeting, and for each server, stock `python -m daphne` (the baseline) and `python -m
realtime.server` (ours), starts it fresh on `realtime.asgi:application` and, over raw sockets:

1. an anonymous POST of --attempt-mb to /login/ (urlencoded, with Content-Length);
2. --parallel such POSTs at once;
3. the same size chunked (no Content-Length);
4. a signed-in upload of --attempt-mb to the paper upload (over the 100 MB limit);
5. a legitimate signed-in upload of a real --upload-mb PDF (under the limit).

For each it prints the answer's status, the seconds until it came, how much of the body the client
had sent by then, the server's VmRSS growth at its peak (sampled every 10 ms) and once settled,
and, for 4 and 5, how long a signed-out GET /login/ sent every 100 ms meanwhile took (median and
max). The client runs on the same machine: on 2 cores client and server compete, so compare rows
of one run. The worker is not started: an accepted upload is stored and queued, not processed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from bench.common import (  # noqa: E402
    free_port,
    migrated_meeting,
    proc_status_kb,
    wait_until_listening,
)

MB = 1024 * 1024
PIECE = 256 * 1024
BOUNDARY = "benchBODIES"
SERVERS = {"daphne": ["-m", "daphne"], "ours": ["-m", "realtime.server"]}


@dataclass
class Result:
    status: str
    seconds: float
    sent: int


def send(port: int, head: bytes, body: Iterator[bytes]) -> Result:
    """Send the head, then the body while watching for an answer; stop sending once it comes."""
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(head)
    sock.setblocking(False)
    body = (piece for piece in body if piece)
    sent, pending, answered = 0, b"", False
    try:
        while True:
            if not pending:
                pending = next(body, b"")
                sent += len(pending)
            readable, writable, _ = select.select([sock], [sock] if pending else [], [], 120)
            if readable:
                answered = True
                break
            if not pending and not readable:
                break
            if writable:
                try:
                    pending = pending[sock.send(pending) :]
                except (BrokenPipeError, ConnectionResetError):
                    break
        sock.setblocking(True)
        sock.settimeout(120)
        first = b""
        try:
            if not answered:
                select.select([sock], [], [], 120)
            first = sock.recv(4096)
        except (ConnectionResetError, TimeoutError):
            pass
        seconds = time.monotonic() - started
        status = first.split(b"\r\n", 1)[0].decode("latin-1") or "(reset, no answer)"
        sent -= len(pending)
    finally:
        sock.close()
    return Result(status=status, seconds=seconds, sent=sent)


def zeros(
    total: int, *, chunked: bool = False, prefix: bytes = b"", suffix: bytes = b""
) -> Iterator[bytes]:
    left = total - len(prefix) - len(suffix)
    yield prefix
    piece = b"\0" * PIECE
    while left > 0:
        n = min(PIECE, left)
        yield b"%x\r\n" % n + piece[:n] + b"\r\n" if chunked else piece[:n]
        left -= n
    yield suffix
    if chunked:
        yield b"0\r\n\r\n"


def pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), PIECE):
        yield data[start : start + PIECE]


def head(path: str, *, content_type: str, length: int | None, cookie: str = "") -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Type: {content_type}"]
    lines.append(
        f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    )
    if cookie:
        lines.append(f"Cookie: {cookie}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def get_login(port: int) -> float:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(b"GET /login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        while sock.recv(65536):
            pass
    return time.monotonic() - started


class Watch:
    """Peak VmRSS of a process, and signed-out page loads timed, while a scenario runs."""

    def __init__(self, pid: int, port: int, *, probe: bool) -> None:
        self.pid, self.port, self.probe = pid, port, probe
        self.base = proc_status_kb(pid, "VmRSS")
        self.peak = self.base
        self.waits: list[float] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._sample)]
        if probe:
            self._threads.append(threading.Thread(target=self._load_pages))

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, proc_status_kb(self.pid, "VmRSS"))
            time.sleep(0.01)

    def _load_pages(self) -> None:
        while not self._stop.is_set():
            self.waits.append(get_login(self.port))
            time.sleep(0.1)

    def __enter__(self) -> Watch:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        time.sleep(1.5)  # let the server settle (Daphne reaps finished requests every second)
        self.settled = proc_status_kb(self.pid, "VmRSS")


def noise_pdf(size: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment("noise.bin", os.urandom(size))
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def multipart_parts(fields: dict[str, str], filename: str) -> tuple[bytes, bytes]:
    before = b"".join(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    )
    before += (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return before, f"\r\n--{BOUNDARY}--\r\n".encode()


def run_server(kind: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    argv = [sys.executable, *SERVERS[kind], "-b", "127.0.0.1", "-p", str(port)]
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and server
        [*argv, "--verbosity", "0", "realtime.asgi:application"],
        cwd=PROJECT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    wait_until_listening(port, process, log)
    for _ in range(3):
        get_login(port)  # Django's views and templates loaded before anything is measured
    return process, port


def report(name: str, results: list[Result], watch: Watch) -> None:
    statuses = ", ".join(sorted({r.status for r in results}))
    seconds = max(r.seconds for r in results)
    sent = sum(r.sent for r in results) / MB
    line = (
        f"  {name:<34} {statuses:<34} {seconds:6.2f} s  sent {sent:7.1f} MB  "
        f"RSS +{(watch.peak - watch.base) / 1024:7.1f} MB peak, "
        f"+{(watch.settled - watch.base) / 1024:7.1f} MB after"
    )
    if watch.waits:
        line += (
            f"  | GET /login/ meanwhile: median {statistics.median(watch.waits) * 1000:.0f} ms,"
            f" max {max(watch.waits) * 1000:.0f} ms (n={len(watch.waits)})"
        )
    print(line, flush=True)


def scenario(
    name: str, pid: int, port: int, jobs: list[Callable[[], Result]], *, probe: bool = False
) -> None:
    results: list[Result] = []
    with Watch(pid, port, probe=probe) as watch:
        threads = [threading.Thread(target=lambda job=job: results.append(job())) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    report(name, results, watch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", default="daphne,ours")
    parser.add_argument("--attempt-mb", type=int, default=150)
    parser.add_argument("--upload-mb", type=int, default=60)
    parser.add_argument("--parallel", type=int, default=4)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="request_bodies-"))
    try:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env |= {
            "DATA_DIR": str(tmp / "data"),
            "MEDIA_ROOT": str(tmp / "media"),
            "FILE_UPLOAD_TEMP_DIR": str(tmp),
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "cabinet.settings",
        }
        os.environ.update(env)
        _unit, secretary, meeting = migrated_meeting(
            tmp, starts_in=dt.timedelta(days=1), location="Phòng họp số 1"
        )
        from django.conf import settings

        from tests.realtime.sockets import new_session

        cookie = f"{settings.SESSION_COOKIE_NAME}={new_session(secretary)}; csrftoken={'a' * 32}"
        upload_path = f"/meetings/{meeting.pk}/papers/new/"
        fields = {"csrfmiddlewaretoken": "a" * 32, "title": "Tờ trình", "kind": "report"}
        before, after = multipart_parts(fields, "to-trinh.pdf")
        pdf = noise_pdf(args.upload_mb * MB)
        legit = before + pdf + after
        attempt = args.attempt_mb * MB
        form = "application/x-www-form-urlencoded"
        upload_type = f"multipart/form-data; boundary={BOUNDARY}"

        def anonymous() -> Result:
            return send(port, head("/login/", content_type=form, length=attempt), zeros(attempt))

        def anonymous_chunked() -> Result:
            body = zeros(attempt, chunked=True)
            return send(port, head("/login/", content_type=form, length=None), body)

        def upload_over() -> Result:
            body = zeros(attempt, prefix=before + b"%PDF-1.4\n", suffix=after)
            h = head(upload_path, content_type=upload_type, length=attempt, cookie=cookie)
            return send(port, h, body)

        def upload_legit() -> Result:
            h = head(upload_path, content_type=upload_type, length=len(legit), cookie=cookie)
            return send(port, h, pieces(legit))

        print(
            f"Bodies: attempt {args.attempt_mb} MB, legitimate upload {len(pdf) / MB:.1f} MB PDF,"
            f" paper limit {settings.PAPER_MAX_BYTES // MB} MB; {os.cpu_count()} cores shared"
            " by client and server"
        )
        for kind in args.servers.split(","):
            process, port = run_server(kind, env, tmp / f"{kind}.log")
            try:
                pid = process.pid
                idle = proc_status_kb(pid, "VmRSS") / 1024
                print(f"\n{kind} ({' '.join(SERVERS[kind])}), idle VmRSS {idle:.0f} MB")
                scenario("anonymous /login/, Content-Length", pid, port, [anonymous])
                scenario(
                    f"anonymous /login/ x{args.parallel} at once",
                    pid,
                    port,
                    [anonymous] * args.parallel,
                )
                scenario("anonymous /login/, chunked", pid, port, [anonymous_chunked])
                scenario("signed-in upload over the limit", pid, port, [upload_over], probe=True)
                scenario(
                    f"signed-in upload of {args.upload_mb} MB (accepted)",
                    pid,
                    port,
                    [upload_legit],
                    probe=True,
                )
                final = proc_status_kb(pid, "VmRSS") / 1024
                print(f"  VmRSS at the end {final:.0f} MB (idle {idle:.0f} MB)")
            finally:
                process.terminate()
                process.wait(timeout=30)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
