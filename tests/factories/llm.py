"""A fake OpenAI-compatible chat-completions server on 127.0.0.1, for the assistant's optional
LLM (assistant/answers/llm.py): it records each request and answers what the test sets."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from assistant.answers.llm import Endpoint


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeLlm:
    url: str = ""
    status: int = 200
    body: bytes = b""
    delay: float = 0.0
    requests: list[Recorded] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def reply(self, content: str) -> None:
        self.status = 200
        self.body = json.dumps(
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            },
            ensure_ascii=False,
        ).encode("utf-8")

    def endpoint(self, **overrides: Any) -> Endpoint:
        values: dict[str, Any] = {"url": self.url, "model": "qwen2.5-7b-instruct", "timeout": 5.0}
        values.update(overrides)
        return Endpoint(**values)


@contextlib.contextmanager
def serve_fake_llm() -> Iterator[FakeLlm]:
    """A chat-completions server on 127.0.0.1 that answers what the test sets (``reply``)."""
    fake = FakeLlm()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.requests.append(Recorded(self.path, dict(self.headers), json.loads(raw)))
            if fake.delay:
                fake.release.wait(fake.delay)
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(fake.body)))
            self.end_headers()
            with contextlib.suppress(OSError):  # the client gave up (timeout test)
                self.wfile.write(fake.body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
