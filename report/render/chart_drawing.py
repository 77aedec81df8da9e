"""Drawing charts with vl-convert in a process of their own, watched.

A spec that passes the Vega-Lite schema can still ask vl-convert for more than a machine has
(`bin: {step: 0.001}` over a wide range, a hundred million ticks), and a few inputs make its Rust
code abort the whole process. A content file must not be able to do either to a build, so charts
are drawn by a child process: the build sends it one chart at a time, stops it when it uses more
than MAX_MEMORY or takes longer than MAX_SECONDS, and reports that chart; a crash of the child is
that chart's error too. The child is started at the first chart a build draws (the cost vl-convert
has anyway: its engine starts once per process) and serves the build's other charts.

Run as `python -m report.render.chart_drawing` it is that child: it reads one JSON request per
line on standard input and answers one JSON line on standard output.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import selectors
import subprocess
import sys
import time
from typing import Any

MAX_MEMORY = 1024**3  # resident bytes; one chart needs about 150 MB, and V8 fails near 1.5 GB
MAX_SECONDS = 60.0
POLL_SECONDS = 0.02


def draw(spec: dict[str, Any], font_dir: str, language: str) -> str:
    """The SVG of a Vega-Lite spec (data included), drawn by the child process; ValueError with
    a short message for anything that goes wrong."""
    return _drawer().draw({"spec": spec, "font_dir": font_dir, "language": language})


class _Drawer:
    """The child process and the watch over it."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.owner = os.getpid()  # a forked copy must neither use nor stop its parent's child

    def draw(self, request: dict[str, Any]) -> str:
        process = self._running()
        assert process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            process.stdin.flush()
        except OSError:
            self.stop()
            raise ValueError("the chart could not be drawn: the drawing process stopped") from None
        line = self._answer(process)
        answer = json.loads(line)
        if "error" in answer:
            raise ValueError(answer["error"])
        return str(answer["svg"])

    def _running(self) -> subprocess.Popen[bytes]:
        if self.owner != os.getpid():
            self.process, self.owner = None, os.getpid()
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "report.render.chart_drawing"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,  # a Rust panic's message is no use to an author
            )
        return self.process

    def _answer(self, process: subprocess.Popen[bytes]) -> bytes:
        """Wait for the answer line, watching the child's memory and time."""
        assert process.stdout is not None
        deadline = time.monotonic() + MAX_SECONDS
        received = b""
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            while not received.endswith(b"\n"):
                if selector.select(POLL_SECONDS):
                    chunk = os.read(process.stdout.fileno(), 1 << 20)
                    if not chunk:
                        self.stop()
                        raise ValueError(
                            "the chart could not be drawn: the renderer stopped on it "
                            f"(exit status {process.wait()})"
                        )
                    received += chunk
                elif _resident_bytes(process.pid) > MAX_MEMORY:
                    self.stop()
                    raise ValueError(
                        f"drawing the chart needs more than {MAX_MEMORY // 2**20:,} MiB of memory; "
                        "ask for fewer bins, ticks or marks"
                    )
                elif time.monotonic() > deadline:
                    self.stop()
                    raise ValueError(
                        f"drawing the chart takes more than {MAX_SECONDS:.0f} s; "
                        "ask for fewer bins, ticks or marks"
                    )
        return received

    def stop(self) -> None:
        if self.process is not None and self.owner == os.getpid():
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
            self.process = None


@functools.cache
def _drawer() -> _Drawer:
    drawer = _Drawer()
    atexit.register(drawer.stop)
    return drawer


def _resident_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


# The child.


def _serve() -> None:
    """Answer drawing requests until standard input closes."""
    for line in sys.stdin.buffer:
        request = json.loads(line)
        try:
            answer = {"svg": _draw_here(request["spec"], request["font_dir"], request["language"])}
        except ValueError as error:
            answer = {"error": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


def _draw_here(spec: dict[str, Any], font_dir: str, language: str) -> str:
    import vl_convert

    _register_fonts(vl_convert, font_dir)
    number_locale, time_locale = _locales(vl_convert, language)
    try:
        return vl_convert.vegalite_to_svg(
            spec,
            vl_version=_vegalite_version(vl_convert),
            # An empty list refuses every data URL (vl-convert 1.9 fails the chart: "External
            # data url not allowed"); None would allow any. file: URLs read nothing either way.
            allowed_base_urls=[],
            format_locale=number_locale,
            time_format_locale=time_locale,
        )
    except Exception as error:  # vl-convert raises ValueError, but any failure is the spec's
        raise ValueError(_first_line(error)) from None


_registered: set[str] = set()


def _register_fonts(vl_convert: Any, font_dir: str) -> None:
    # Once per folder per process: the registration lasts the process, and each call reads the
    # folder's fonts again.
    if font_dir not in _registered:
        vl_convert.register_font_directory(font_dir)
        _registered.add(font_dir)


@functools.cache
def _vegalite_version(vl_convert: Any) -> str | None:
    """The Vega-Lite version the schema that checked the spec describes, if vl-convert has it."""
    from report.content.chartspec import schema_version

    wanted = schema_version()
    return wanted if wanted in vl_convert.get_vegalite_versions() else None


# d3-format has locales per region; a bare language tag gets its usual region.
REGIONS = {
    "ar": "001",
    "ca": "ES",
    "cs": "CZ",
    "da": "DK",
    "de": "DE",
    "en": "US",
    "es": "ES",
    "fa": "IR",
    "fi": "FI",
    "fr": "FR",
    "he": "IL",
    "hu": "HU",
    "it": "IT",
    "ja": "JP",
    "ko": "KR",
    "mk": "MK",
    "nb": "NO",
    "nl": "NL",
    "pl": "PL",
    "pt": "BR",
    "ru": "RU",
    "sl": "SI",
    "sv": "SE",
    "tr": "TR",
    "uk": "UA",
    "zh": "CN",
}


@functools.cache
def _locales(vl_convert: Any, language: str) -> tuple[str, str]:
    """d3's number and time locales for a BCP 47 tag: the tag's own region, else the
    language's usual one, else en-US (a language d3 lacks still gets a working chart)."""
    parts = language.replace("_", "-").split("-")
    code = parts[0].lower()
    candidates = [
        f"{code}-{part.upper()}" for part in parts[1:] if len(part) == 2 or part.isdigit()
    ]
    candidates += [f"{code}-{REGIONS.get(code, code.upper())}", "en-US"]
    return (
        _first_known(vl_convert.get_format_locale, candidates),
        _first_known(vl_convert.get_time_format_locale, candidates),
    )


def _first_known(lookup: Any, candidates: list[str]) -> str:
    for name in candidates:
        try:
            lookup(name)
        except Exception:  # vl-convert raises ValueError for a name it lacks
            continue
        return name
    return "en-US"


def _first_line(error: Exception) -> str:
    """vl-convert's message without its heading and the JavaScript or Rust stack after it."""
    lines = [line.strip() for line in str(error).splitlines()]
    lines = [line for line in lines if line and not line.endswith("conversion failed:")]
    text = lines[0] if lines else type(error).__name__
    text = re.sub(r"^(Error|TypeError|SyntaxError|RangeError):\s*", "", text)
    text = text if len(text) <= 200 else text[:197] + "..."
    return f"the chart could not be drawn: {text}"


if __name__ == "__main__":
    _serve()
