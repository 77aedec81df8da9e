"""Ctrl-C and termination, turned into exceptions of the tool's own and remembered.

Python's own KeyboardInterrupt has two flaws for a build. CPython remembers one that passed
through certain of its internals (seen when Ctrl-C lands while WeasyPrint is being imported)
and ends the process with SIGINT after `report` has handled it and chosen its exit status; a
subclass is not remembered. And one raised while Python runs a callback of its own (an import
lock's cleanup) is printed and dropped, so the build would go on and write; the signal is
therefore also remembered here and checked before anything is written.
Standard library only.
"""

from __future__ import annotations

import signal

_received: list[type[KeyboardInterrupt]] = []


class Interrupted(KeyboardInterrupt):
    """Ctrl-C (SIGINT)."""


class Terminated(KeyboardInterrupt):
    """The process was asked to end (SIGTERM); handled as Ctrl-C is."""


def install() -> None:
    """Handle SIGINT and SIGTERM; leave SIGINT ignored where it is (a job started in the
    background of a script, which should not stop on the terminal's Ctrl-C)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)


def _on_signal(signum: int, frame: object) -> None:
    kind = Terminated if signum == signal.SIGTERM else Interrupted
    _received.append(kind)
    raise kind()


def raise_if_received() -> None:
    """Raise the interruption a callback swallowed, if any: called before writing."""
    if _received:
        raise _received[-1]()


def exit_status(err: BaseException | None) -> int:
    """128 + the signal's number, as a shell reports a process that a signal ended."""
    return 128 + (signal.SIGTERM if isinstance(err, Terminated) else signal.SIGINT)
