"""WeasyPrint's library search, answered from the linker cache: the same libraries, found fast."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from report.outputs.weasyprint_loader import find_in_linker_cache

# The names WeasyPrint tries first on Linux, plus some that exist nowhere (each costs a full
# search) and the C library itself.
NAMES = [
    "libgobject-2.0-0",
    "gobject-2.0",
    "pango-1.0",
    "harfbuzz",
    "harfbuzz-subset",
    "fontconfig",
    "pangoft2-1.0",
    "libharfbuzz-vector.0.dylib",
    "c",
    "no-such-library-anywhere",
]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the linker cache is Linux's")
@pytest.mark.parametrize("name", NAMES)
def test_the_linker_cache_answers_as_the_standard_search_does(name: str) -> None:
    assert find_in_linker_cache(name) == ctypes.util.find_library(name)


def test_weasyprint_imported_this_way_loads_the_same_libraries() -> None:
    script = (
        "import ctypes.util, sys\n"
        "from report.outputs.weasyprint_loader import import_weasyprint\n"
        "weasyprint = import_weasyprint()\n"
        "assert ctypes.util.find_library.__module__ == 'ctypes.util'\n"  # put back afterwards
        "from weasyprint.text import ffi\n"
        "print(sorted(n for n in open('/proc/self/maps').read().split()"
        " if 'pango' in n or 'harfbuzz' in n or 'fontconfig' in n))\n"
    )
    standard = script.replace(
        "from report.outputs.weasyprint_loader import import_weasyprint\n"
        "weasyprint = import_weasyprint()",
        "import weasyprint",
    )
    ours, theirs = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for code in (script, standard)
    )
    assert ours.stdout == theirs.stdout
    assert "libpango" in ours.stdout
