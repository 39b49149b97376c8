"""The message types that cross the socket, in one place.

Server → tablet: {"type": "hello", "seq": N} on connect; {"type": "event", "seq": N, "event": name,
"data": {...}} for every committed change; {"type": "error", "code": ..., "message": ...}.
Tablet → server: {"type": "ping"} (answered {"type": "pong"}); later issues add resume and commands.
"""

from __future__ import annotations

HELLO = "hello"
EVENT = "event"
ERROR = "error"
PING = "ping"
PONG = "pong"

MAX_MESSAGE_BYTES = 4096
