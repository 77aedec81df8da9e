"""Importing WeasyPrint without its slow library search.

WeasyPrint finds Pango, HarfBuzz and Fontconfig by trying several names per library (one per
platform). cffi hands each name that does not load straight away to `ctypes.util.find_library`,
which on Linux runs `ldconfig -p` and then gcc and ld: about 9 ms for every name that does not
exist, 21 lookups and about 0.16 s per import, a tenth of a small build. While WeasyPrint is being
imported, the same lookup is answered from one reading of the linker cache. Whatever it cannot
answer, or any failure, falls back to the standard search, so the libraries loaded are the same.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import functools
import os
import re
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from types import ModuleType

# The ABI tag ldconfig prints for this machine's libraries, as ctypes.util matches it.
_ABI = {
    "x86_64-64": "libc6,x86-64",
    "ppc64-64": "libc6,64bit",
    "sparc64-64": "libc6,64bit",
    "s390x-64": "libc6,64bit",
    "ia64-64": "libc6,IA-64",
}


def import_weasyprint() -> ModuleType:
    """Import WeasyPrint (once per process) and return the module."""
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    if sys.platform.startswith("linux") and _linker_cache():
        try:
            # WeasyPrint prints advice before failing; the standard search below may still succeed.
            with _find_library_replaced_by(find_in_linker_cache), _quiet_stdout():
                import weasyprint
            return weasyprint
        except OSError:  # a library the linker cache does not know: search the standard way
            for name in [name for name in sys.modules if name.split(".")[0] == "weasyprint"]:
                del sys.modules[name]
    import weasyprint

    return weasyprint


def find_in_linker_cache(name: str) -> str | None:
    """`ctypes.util.find_library`'s first step (the linker cache), from one cached reading."""
    bits = "-64" if struct.calcsize("l") == 8 else "-32"
    abi = _ABI.get(os.uname().machine + bits, "libc6")
    match = re.search(rf"\s+(lib{re.escape(name)}\.\S+)\s+\({re.escape(abi)}", _linker_cache())
    return match.group(1) if match else None


@functools.cache
def _linker_cache() -> str:
    for ldconfig in ("/sbin/ldconfig", "/usr/sbin/ldconfig"):
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            return subprocess.run(
                [ldconfig, "-p"],
                capture_output=True,
                env={"LC_ALL": "C", "LANG": "C"},
                check=True,
                text=True,
            ).stdout
    return ""


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):
        yield


@contextlib.contextmanager
def _find_library_replaced_by(lookup: Callable[[str], str | None]) -> Iterator[None]:
    standard = ctypes.util.find_library
    ctypes.util.find_library = lookup
    try:
        yield
    finally:
        ctypes.util.find_library = standard
