"""Atomic writes, the one way this tool writes a file: a failure never leaves a partial file, and
the files of one write change together.

Outputs, the up-to-date records, new editions and the user cache all write through here. Every
file is first written completely under a temporary name beside its target; then a journal
listing the renames is written, the renames are made with Ctrl-C and termination held back, and
the journal is removed. A process killed outright between two renames leaves the journal: the
next write into that folder finishes the renames (every temporary file was complete), so a
build's outputs never stay half old, half new.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path

from report.errors import OutputError

JOURNAL = ".report-journal"
HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


class InterruptedAfterWriting(KeyboardInterrupt):
    """Ctrl-C or termination arrived while the files were being renamed into place: the new
    files are all in place (the signal was held back until they were)."""


def write_all(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write every file to a temporary name beside its target, then rename them all into place.

    Every temporary file is complete before the first rename, so a failure (a full disk, a
    folder where a file should be) leaves all previous files as they were.
    """
    if not files:
        return
    folder = Path(os.path.commonpath([target.parent.absolute() for target, _ in files]))
    finish_interrupted(folder)
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in files:
            staged.append((_stage(target, data), target))
        for _, target in staged:
            if target.is_dir():
                raise OutputError(f"{target}: cannot write: a folder has that name")
        _commit(folder, staged)
    except OSError as err:
        raise OutputError(f"{err.filename or 'output'}: cannot write: {err.strerror}") from err
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


def write_file(target: Path, data: bytes) -> None:
    """Write one file atomically; raise OutputError if it cannot be written."""
    write_all([(target, data)])


def finish_interrupted(folder: Path) -> None:
    """Finish the renames of a write into `folder` whose process was killed between them."""
    for journal in folder.glob(f"{JOURNAL}.*.json"):
        pid = journal.name.split(".")[2]
        if pid.isdigit() and _alive(int(pid)):
            continue  # a write in progress in another process
        try:
            renames = json.loads(journal.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            renames = []  # written only in part: no rename had started
        for temporary, target in renames:
            with contextlib.suppress(OSError):
                os.replace(temporary, target)
        journal.unlink(missing_ok=True)


def _commit(folder: Path, staged: list[tuple[Path, Path]]) -> None:
    if len(staged) == 1:  # one rename is atomic by itself
        temporary, target = staged[0]
        with _signals_held():
            os.replace(temporary, target)
        return
    journal = folder / f"{JOURNAL}.{os.getpid()}.json"
    renames = [(str(temporary), str(target)) for temporary, target in staged]
    _write_synced(journal, json.dumps(renames).encode())
    with _signals_held():
        for temporary, target in staged:
            os.replace(temporary, target)
        journal.unlink()


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and termination back until the renames are done, then let them through."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    except (AttributeError, ValueError):  # no signal masks here, or not the main thread
        yield
        return
    try:
        yield
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        except KeyboardInterrupt as err:  # delivered now: the files are all in place
            raise InterruptedAfterWriting() from err


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _stage(target: Path, data: bytes) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    import tempfile  # here: about 5 ms to import, and an up-to-date build writes nothing

    prefix = f".{target.name}.{os.getpid()}."
    handle, name = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        temporary.chmod(0o644)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _remove_stale(target: Path) -> None:
    """Delete temporary files a killed build left beside `target` (its process is gone)."""
    for leftover in target.parent.glob(f".{target.name}.*.part"):
        pid = leftover.name.removeprefix(f".{target.name}.").split(".")[0]
        if pid.isdigit() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
