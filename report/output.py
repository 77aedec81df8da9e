"""Write output files atomically: a failed build never leaves a partial or corrupt file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from report.errors import OutputError


def write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write` on a temporary file beside `target`, then rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent
        )
        os.close(handle)
    except OSError as err:
        raise OutputError(f"{target}: cannot write: {err.strerror}") from err
    temporary_path = Path(temporary)
    try:
        write(temporary_path)
        os.chmod(temporary_path, 0o644)
        os.replace(temporary_path, target)
    except OSError as err:
        raise OutputError(f"{target}: cannot write: {err.strerror}") from err
    finally:
        temporary_path.unlink(missing_ok=True)


def write_bytes_atomically(target: Path, data: bytes) -> None:
    """Write bytes to `target` through a temporary file."""
    write_atomically(target, lambda path: path.write_bytes(data))
