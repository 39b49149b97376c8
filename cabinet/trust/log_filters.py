"""Logging filters that keep secrets out of log files."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_casting_ballot: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "casting_ballot", default=False
)


@contextmanager
def ballot_queries_unlogged() -> Iterator[None]:
    token = _casting_ballot.set(True)
    try:
        yield
    finally:
        _casting_ballot.reset(token)


def unlogged_ballot(function: Callable[P, R]) -> Callable[P, R]:
    """Run a ballot's statements with SQL logging suppressed (see HideBallotQueries)."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with ballot_queries_unlogged():
            return function(*args, **kwargs)

    return wrapper


class HideBallotQueries(logging.Filter):
    """Django logs every SQL statement at DEBUG level when DEBUG is on. The statements that cast
    a ballot first find the voter and then write the option chosen, so such a log would link a
    person to the choice of a secret ballot. They are dropped, at any log level."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not _casting_ballot.get()
