"""Twenty members ask the assistant at once: latency, errors, and whether the task worker lives.

    .venv/bin/python bench/concurrent_questions.py [--members 20] [--rounds 3]
        [--server threaded|daphne] [--llm-seconds 0] [--worker-command worker]

A fresh data directory (SQLite file, the embedding model of the checkout): migrate, the demo
library (`seed_library`), N members signed in. The server (`runserver --noreload`: one thread a
request, like any threaded or multi-process deployment; or one Daphne process, which runs every
sync view in one thread) and the task worker run as processes of their own. Each round, the N
members POST ask.json at the same moment; optionally through an OpenAI-compatible endpoint that
answers after --llm-seconds (a local model server). Printed: p50/p95/max latency, the HTTP
statuses, and whether the worker process is still alive (and its log's "database is locked").
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = [
    "Thời hạn ban hành thông báo kết luận cuộc họp là bao lâu?",
    "Ai ký văn bản thay Chủ tịch Ủy ban nhân dân?",
    "Tài liệu cuộc họp phải gửi trước bao nhiêu ngày?",
    "Sở Nội vụ chủ trì việc số hóa hồ sơ như thế nào?",
]
CSRF = "c" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def slow_llm(seconds: float) -> str:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(seconds)
            body = json.dumps({"choices": [{"message": {"content": "Không rõ."}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1"


def sessions(env: dict[str, str], members: int) -> list[str]:
    """N members, signed in (force_login: the sign-in signals run, no password hashing)."""
    code = (
        "import json\n"
        "from django.test import Client\n"
        "from cabinet.models import User\n"
        "keys = []\n"
        f"for i in range({members}):\n"
        "    user, _ = User.objects.get_or_create(username=f'bench{i}', "
        "defaults={'full_name': f'Bench {i}'})\n"
        "    client = Client()\n"
        "    client.force_login(user)\n"
        "    keys.append(client.cookies['sessionid'].value)\n"
        "print(json.dumps(keys))\n"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return list(json.loads(out.strip().splitlines()[-1]))


def ask(url: str, session: str, question: str, start: threading.Barrier) -> tuple[int, float]:
    request = urllib.request.Request(  # noqa: S310 (the local server's http:// URL)
        url,
        data=json.dumps({"question": question}).encode(),
        headers={
            "Content-Type": "application/json",
            "Cookie": f"sessionid={session}; csrftoken={CSRF}",
            "X-CSRFToken": CSRF,
        },
        method="POST",
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    start.wait()
    began = time.perf_counter()
    try:
        with opener.open(request, timeout=300) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0  # connection refused or reset
    return status, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", choices=["threaded", "daphne"], default="threaded")
    parser.add_argument("--llm-seconds", type=float, default=0.0)
    parser.add_argument("--worker-command", default="worker")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="bench-questions-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env |= {
        "DATA_DIR": str(data),
        "MEDIA_ROOT": str(data / "media"),
        "EMBEDDING_MODEL_DIR": str(ROOT / "data" / "models" / "multilingual-e5-small"),
        "DEBUG": "1",
        "ASSISTANT_INDEX_PAPERS": "0",
    }
    if args.llm_seconds:
        env |= {"ASSISTANT_LLM_URL": slow_llm(args.llm_seconds), "ASSISTANT_LLM_MODEL": "local"}
    for command in (["migrate", "--noinput", "-v", "0"], ["seed_demo"], ["seed_library"]):
        subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    keys = sessions(env, args.members)

    port = free_port()
    daphne = ["-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "realtime.asgi:application"]
    runserver = ["manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    server_cmd = [sys.executable, *(runserver if args.server == "threaded" else daphne)]
    server_log = (data / "server.log").open("w")
    worker_log_path = data / "worker.log"
    worker_log = worker_log_path.open("w")
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        server_cmd, cwd=ROOT, env=env, stdout=server_log, stderr=server_log
    )
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "manage.py", args.worker_command, "--no-reload", "--interval", "1"],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=worker_log,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        url = f"http://127.0.0.1:{port}/assistant/ask.json"
        # One question first: the server loads the model and builds its index (not timed).
        ask(url, keys[0], QUESTIONS[0], threading.Barrier(1))
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        for round_number in range(args.rounds):
            start = threading.Barrier(args.members)
            asked = [QUESTIONS[(i + round_number) % len(QUESTIONS)] for i in range(args.members)]
            with ThreadPoolExecutor(args.members) as pool:
                results = list(
                    pool.map(ask, [url] * args.members, keys, asked, [start] * args.members)
                )
            statuses.update(status for status, _ in results)
            latencies.extend(seconds for _, seconds in results)
        time.sleep(2)
        ms = np.array(latencies) * 1000
        errors = sum(count for status, count in statuses.items() if status != 200)
        locked = worker_log_path.read_text().count("database is locked")
        print(
            f"server={args.server} worker={args.worker_command} llm={args.llm_seconds}s "
            f"members={args.members} rounds={args.rounds}"
        )
        print(
            f"  latency p50 {np.percentile(ms, 50):.0f} ms, p95 {np.percentile(ms, 95):.0f} ms, "
            f"max {ms.max():.0f} ms"
        )
        print(f"  statuses {dict(sorted(statuses.items()))}: {errors} errors of {len(latencies)}")
        alive = "alive" if worker.poll() is None else f"EXITED ({worker.returncode})"
        print(f"  worker {alive}; 'database is locked' in its log {locked} time(s)")
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.terminate()
            process.wait(timeout=30)
        server_log.close()
        worker_log.close()


if __name__ == "__main__":
    main()
