"""The front end's protocol names (cabinet/static/cabinet/js/live/protocol.js) are the server's.

Message types and close codes must equal realtime/events.py's constants (and 1011, the consumer's
CLOSE_SERVER_ERROR); every event name the reducers handle must be one that the server records
(the event names passed to record_event under cabinet/ and assistant/, wherever those modules
live). protocol.js is read as text: one `KEY: value,` per line inside `Object.freeze({...})`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from realtime import consumers, events

ROOT = Path(__file__).resolve().parents[2]
PROTOCOL_JS = ROOT / "cabinet" / "static" / "cabinet" / "js" / "live" / "protocol.js"

MESSAGE_TYPES = [
    "HELLO",
    "EVENT",
    "SNAPSHOT",
    "RESUMED",
    "ACK",
    "ERROR",
    "PING",
    "PONG",
    "PROGRESS",
    "RESUME",
    "COMMAND",
    "SKIP",
]

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


def _event_names_in(node: ast.AST) -> set[str]:
    return {
        n.value
        for n in ast.walk(node)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and EVENT_NAME.match(n.value)
    }


def _names_bound_to(tree: ast.AST, variable: str) -> set[str]:
    """Event names a variable may hold in a module: `variable="x.y"` passed to a call, assigned
    (`variable = "x.y" if ... else None`), or a parameter's default."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == variable:
            found |= _event_names_in(node.value)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == variable for t in targets) and node.value:
                found |= _event_names_in(node.value)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args
            positional = arguments.posonlyargs + arguments.args
            pairs = list(
                zip(
                    positional[len(positional) - len(arguments.defaults) :],
                    arguments.defaults,
                    strict=True,
                )
            )
            pairs += [
                (a, d)
                for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
                if d
            ]
            for argument, default in pairs:
                if argument.arg == variable:
                    found |= _event_names_in(default)
    return found


def recorded_event_names() -> set[str]:
    """The event names the server records: the `type=` of record_event and the `event=` of the
    helpers that call it with their caller's name (the meeting's lifecycle `transition`), under
    cabinet/ and assistant/, searched recursively (modules move), whether the name is a literal,
    a conditional of literals or a variable bound to literals in the same module."""
    names: set[str] = set()
    for folder in ("cabinet", "assistant"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for call in ast.walk(tree):
                if not isinstance(call, ast.Call):
                    continue
                func = call.func
                called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                wanted = {"record_event": "type", "transition": "event"}.get(called or "")
                for keyword in call.keywords:
                    if wanted is None or keyword.arg != wanted:
                        continue
                    names |= _event_names_in(keyword.value)
                    if isinstance(keyword.value, ast.Name):
                        names |= _names_bound_to(tree, keyword.value.id)
    return names


def test_protocol_js_is_readable() -> None:
    blocks = js_constants()
    assert set(blocks) >= {"MSG", "CLOSE", "EVENT", "EVENT_PREFIX"}
    assert all(blocks.values()), "an empty block: protocol.js is no longer in the expected form"


def test_message_types_match_realtime_events() -> None:
    expected = {name: getattr(events, name) for name in MESSAGE_TYPES}
    assert js_constants()["MSG"] == expected


def test_close_codes_match_the_server() -> None:
    expected: dict[str, str | int] = {
        name.removeprefix("CLOSE_"): value
        for name, value in vars(events).items()
        if name.startswith("CLOSE_") and isinstance(value, int)
    }
    expected["SERVER_ERROR"] = consumers.CLOSE_SERVER_ERROR
    assert js_constants()["CLOSE"] == expected


def test_event_names_are_recorded_by_the_server() -> None:
    recorded = recorded_event_names()
    # The search itself still works (it would pass vacuously on an empty set).
    assert {"poll.opened", "meeting.started", "speaker.ended", "presenter.page"} <= recorded
    blocks = js_constants()
    unknown = sorted(set(map(str, blocks["EVENT"].values())) - recorded)
    assert not unknown, f"protocol.js EVENT names the server never records: {unknown}"
    for prefix in map(str, blocks["EVENT_PREFIX"].values()):
        assert any(name.startswith(prefix) for name in recorded), f"no recorded event is {prefix}*"
