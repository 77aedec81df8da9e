"""The tool's own code, hashed: part of every up-to-date record and of the build server's name.

Only `hashlib` and `os` are imported, because the `report` command computes this before it
knows whether anything else needs loading.
"""

from __future__ import annotations

import hashlib
import os

PACKAGE = os.path.dirname(os.path.abspath(__file__))


def code_digests() -> dict[str, str]:
    """SHA-256 of each of the tool's source files (not the bytecode Python writes beside them)."""
    digests = {}
    for name in sorted(os.listdir(PACKAGE)):
        # Dot-files are editors' (an Emacs lock `.#build.py` is a link to nowhere), not code.
        if name.endswith(".py") and not name.startswith("."):
            try:
                with open(os.path.join(PACKAGE, name), "rb") as stream:
                    digests[name] = hashlib.file_digest(stream, "sha256").hexdigest()
            except OSError:
                digests[name] = "unreadable"
    return digests
