"""The server: Daphne, with request bodies limited before they are read. Same options as `daphne`:

    python -m realtime.server -b 127.0.0.1 -p 8000 realtime.asgi:application

Stock Daphne hands a request to the application only once Twisted has received its whole body,
and on the way Twisted parses a form body in memory (several copies of a multipart upload) and
Daphne then copies the whole body into the application's queue: measured, a 150 MB anonymous
POST to /login/ added 305 MB to the process and a 150 MB paper 1.8 GB, before Django could say
no. Here (bench/request_bodies.py measures both servers):

- when the headers are in, the route's limit (cabinet.trust.body_limits) is checked against
  Content-Length: a larger body is answered 413 at once and never read;
- the bytes actually received are counted too (a chunked body declares no length): past the
  limit, 413 at that moment;
- Twisted does not parse form bodies (Daphne never used what it parsed);
- a body of more than 100 KB is written to a temporary file (FILE_UPLOAD_TEMP_DIR) as it arrives
  and given to the application chunk by chunk as it reads, so at most a chunk is in memory.

The ASGI middleware in realtime/asgi.py applies the same limits under any other server.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import tempfile
from functools import partial
from typing import IO, Any, cast
from urllib.parse import urlsplit

from daphne import cli
from daphne import server as daphne_server
from daphne.http_protocol import HTTPFactory, WebRequest
from django.conf import settings
from twisted.internet import reactor

from cabinet.trust import body_limits

logger = logging.getLogger(__name__)

# After a refusal, what the client still sends is read and dropped for this long: a socket closed
# with unread data in it is reset, and the reset can destroy the 413 before the client reads it.
LINGER_SECONDS = 5.0
# A body up to this size is kept in memory (Twisted's own threshold), a larger one in a file.
IN_MEMORY_BODY = 100_000
# The application reads a body from its file in chunks of this size.
CHUNK = 64 * 1024


class LimitedRequest(WebRequest):
    """Daphne's request, refusing a body larger than its route allows before reading it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Twisted would parse a form body into request.args, all of it in memory (several times
        # over for multipart); Daphne never reads request.args.
        kwargs["parsePOSTFormSubmission"] = False
        self._limit: body_limits.Limit | None = None
        self._received = 0
        self._refused = False
        self._body: IO[bytes] | None = None
        super().__init__(*args, **kwargs)

    def gotLength(self, length: int | None) -> None:
        """Called by Twisted when the headers are in, before any of the body."""
        # The request line is parsed by the channel but only given to the request once the body
        # is in; the channel keeps it until then (HTTP/1.1; an HTTP/2 stream has no such
        # attribute, and there the ASGI middleware alone applies the limits).
        target = getattr(self.channel, "_path", None)
        if isinstance(target, bytes):
            path = urlsplit(target).path.decode("latin-1") or "/"
            cookies = b"; ".join(self.requestHeaders.getRawHeaders(b"cookie", []))
            self._limit = body_limits.limit_for(
                path, signed_in=body_limits.has_session_cookie(cookies.decode("latin-1"))
            )
            if length is not None and length > self._limit.max_bytes:
                self.content = io.BytesIO()
                self._refuse(path)
                return
        if length is not None and length < IN_MEMORY_BODY:
            self.content = io.BytesIO()
        else:
            # The request owns its body: _close_body() closes it when the request ends.
            self.content = cast(
                io.BytesIO,
                tempfile.TemporaryFile(dir=settings.FILE_UPLOAD_TEMP_DIR),  # noqa: SIM115
            )

    def handleContentChunk(self, data: bytes) -> None:
        if self._refused:
            return
        self._received += len(data)
        if self._limit is not None and self._received > self._limit.max_bytes:
            path = urlsplit(getattr(self.channel, "_path", b"/")).path.decode("latin-1")
            self._refuse(path)
            return
        self.content.write(data)

    def requestReceived(self, command: bytes, path: bytes, version: bytes) -> None:
        # A refused chunked body can still end within the data being decoded: nothing runs then.
        if not self._refused:
            super().requestReceived(command, path, version)

    def process(self) -> Any:
        # Daphne copies the whole body into the application's queue at once: give it an empty
        # one, and the queue (BodyQueue) reads the real body from its file as the app asks.
        self._body, self.content = self.content, io.BytesIO()
        return super().process()

    def finish(self) -> None:
        super().finish()
        self._close_body()

    def connectionLost(self, reason: Any) -> None:
        super().connectionLost(reason)
        self._close_body()

    def _close_body(self) -> None:
        if self._body is not None:
            self._body.close()

    def _refuse(self, path: str) -> None:
        """Answer 413 and read nothing more of this connection."""
        assert self._limit is not None
        self._refused = True
        channel = self.channel
        transport = channel.transport
        # Twisted answers "Expect: 100-continue" right after gotLength; not after a refusal.
        self.requestHeaders.removeHeader(b"expect")
        # Whatever else comes is dropped unread, as Twisted itself does after a final response.
        channel.dataReceived = lambda data: None
        language = self.received_cookies.get(settings.LANGUAGE_COOKIE_NAME.encode(), b"")
        content_types = self.requestHeaders.getRawHeaders(b"content-type", [b""])
        content_type, body = body_limits.refusal(
            self._limit,
            path=path,
            language=language.decode("latin-1"),
            wants_json=content_types[0].startswith(b"application/json"),
        )
        transport.write(
            b"HTTP/1.1 413 Content Too Large\r\n"
            b"Content-Type: " + content_type + b"\r\n"
            b"Content-Length: %d\r\n"
            b"Connection: close\r\n\r\n" % len(body) + body
        )
        # The answer, then the end of the stream (FIN): the client sees both while still sending.
        lose_write = getattr(transport, "loseWriteConnection", None)
        if lose_write is not None:
            lose_write()
        cast(Any, reactor).callLater(LINGER_SECONDS, transport.abortConnection)
        client = getattr(self.client, "host", "?")
        logger.warning(
            "Refused a request body over %d bytes to %s from %s",
            self._limit.max_bytes,
            path,
            client,
        )
        self.server.log_action(
            "http",
            "complete",
            {
                "path": path,
                "status": 413,
                "method": getattr(channel, "_command", b"?").decode("ascii", "replace"),
                "client": f"{client}:{getattr(self.client, 'port', 0)}",
                "time_taken": 0,
                "size": len(body),
            },
        )


class BodyQueue(asyncio.Queue[dict[str, Any]]):
    """The application's receive queue for an HTTP request: gives the request body from its file,
    a chunk at a time as the application asks (and lets the event loop run between chunks), then
    whatever Daphne puts in (the disconnect)."""

    def __init__(self, body: IO[bytes] | None) -> None:
        super().__init__()
        self._body = body

    def put_nowait(self, item: dict[str, Any]) -> None:
        # Daphne's own body message is empty (LimitedRequest.process): the body comes from here.
        if self._body is not None and item.get("type") == "http.request":
            return
        super().put_nowait(item)

    async def get(self) -> dict[str, Any]:
        body = self._body
        if body is None:
            return await super().get()
        try:
            chunk = body.read(CHUNK)
        except ValueError:  # closed: the client went away
            self._body = None
            return {"type": "http.disconnect"}
        more = len(chunk) == CHUNK
        if not more:
            self._body = None
        else:
            await asyncio.sleep(0)
        return {"type": "http.request", "body": chunk, "more_body": more}


class LimitedHTTPFactory(HTTPFactory):
    def buildProtocol(self, addr: Any) -> Any:
        protocol = super().buildProtocol(addr)
        protocol.requestFactory = LimitedRequest
        return protocol


class Server(daphne_server.Server):
    @property
    def http_factory(self) -> HTTPFactory:
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory: HTTPFactory) -> None:
        # Daphne's Server.run builds its HTTPFactory itself, with no option to choose another:
        # this is where ours takes its place.
        self._http_factory = LimitedHTTPFactory(self)

    def create_application(self, protocol: Any, scope: dict[str, Any]) -> Any:
        if not isinstance(protocol, LimitedRequest):
            return super().create_application(protocol, scope)
        # As Daphne's own, with the queue that reads the body from its file.
        assert "application_instance" not in self.connections[protocol]
        input_queue = BodyQueue(protocol._body)
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope,
            receive=input_queue.get,
            send=partial(self.handle_reply, protocol),
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance,
            loop=asyncio.get_event_loop(),
        )
        return input_queue


class CommandLineInterface(cli.CommandLineInterface):
    server_class = Server


def main() -> None:
    CommandLineInterface().run(sys.argv[1:])


if __name__ == "__main__":
    main()
