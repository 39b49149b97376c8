"""The front end's protocol names (cabinet/static/cabinet/js/live/protocol.js) are the server's.

Message types and close codes must equal realtime/events.py's Message and Close; every event name
the reducers handle must be one that the server records (cabinet.core.event_types.Event, the one
list of them). protocol.js is read as text: one `KEY: value,` per line inside
`Object.freeze({...})`."""

from __future__ import annotations

import re
from pathlib import Path

from cabinet.core.event_types import Event
from realtime import events

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_JS = ROOT / "cabinet" / "static" / "cabinet" / "js" / "live" / "protocol.js"


BLOCK = re.compile(r"^export const (\w+) = Object\.freeze\(\{\n(.*?)\n\}\);$", re.M | re.S)
ENTRY = re.compile(r'^  ([A-Z][A-Z0-9_]*): (?:"([^"\\]*)"|(\d+)),$')
EVENT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


def js_constants() -> dict[str, dict[str, str | int]]:
    """protocol.js's frozen objects: {"MSG": {"HELLO": "hello", ...}, "CLOSE": {...}, ...}."""
    blocks: dict[str, dict[str, str | int]] = {}
    for name, body in BLOCK.findall(PROTOCOL_JS.read_text(encoding="utf-8")):
        entries: dict[str, str | int] = {}
        for line in body.splitlines():
            match = ENTRY.match(line)
            assert match, f"protocol.js {name}: cannot read {line!r} (one `KEY: value,` a line)"
            key, text, number = match.groups()
            assert key not in entries, f"protocol.js {name}: {key} twice"
            entries[key] = int(number) if number else text
        blocks[name] = entries
    return blocks


def test_protocol_js_is_readable() -> None:
    blocks = js_constants()
    assert set(blocks) >= {"MSG", "CLOSE", "EVENT", "EVENT_PREFIX"}
    assert all(blocks.values()), "an empty block: protocol.js is no longer in the expected form"


def test_message_types_match_realtime_events() -> None:
    expected = {message.name: message.value for message in events.Message}
    assert js_constants()["MSG"] == expected


def test_close_codes_match_the_server() -> None:
    expected = {close.name: close.value for close in events.Close}
    assert js_constants()["CLOSE"] == expected


def test_event_names_are_recorded_by_the_server() -> None:
    """Every event name the reducers handle is one of cabinet.core.event_types.Event, the type that
    record_event takes (mypy refuses a bare string there)."""
    recorded = {str(name) for name in Event}
    blocks = js_constants()
    unknown = sorted(set(map(str, blocks["EVENT"].values())) - recorded)
    assert not unknown, f"protocol.js EVENT names the server never records: {unknown}"
    for prefix in map(str, blocks["EVENT_PREFIX"].values()):
        assert any(name.startswith(prefix) for name in recorded), f"no recorded event is {prefix}*"


def test_every_close_code_is_one_daphne_can_send() -> None:
    """Daphne closes through autobahn, which raises on any code but 1000 and 3000-4999 and leaves
    the socket open (found: the server error was WebSocket's 1011)."""
    for close in events.Close:
        assert close.value == 1000 or 3000 <= close.value <= 4999, close
