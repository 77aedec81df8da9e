"""Benchmark `report build` against the WeasyPrint CLI on the very same print HTML.

Run with `make bench`. Sizes: the brief (1x) and generated 10x and 50x versions of it. Each
measurement is the median of several runs, tools alternating run by run (the machine is shared
and noisy); peak memory is the largest proportional set size (PSS) of the whole process tree,
sampled every 10 ms, so forked workers count once. Writes build/bench.md. Never fails on speed.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
BIN = Path(sys.executable).parent
CONTENT = ROOT / "content" / "belarus-nato.yaml"
RUNS = {1: 5, 10: 3, 50: 2}


class NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


def scaled_content(factor: int) -> Path:
    """Write the brief with its sections repeated `factor` times (unique ids)."""
    brief = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    brief["sections"] = (
        [
            {
                **section,
                "id": f"{section['id']}-{copy}",
                "title": f"{section['title']} ({copy + 1})",
            }
            for copy in range(factor)
            for section in brief["sections"]
        ]
        if factor > 1
        else brief["sections"]
    )
    path = OUT / f"brief-{factor}x.yaml"
    path.write_text(yaml.dump(brief, Dumper=NoAliases, allow_unicode=True, sort_keys=False))
    return path


def write_print_html(source: Path) -> Path:
    """Write the exact HTML report renders to PDF, for the WeasyPrint CLI."""
    from report.job import prepare
    from report.render_print import print_html

    html = OUT / f"{source.stem}.html"
    html.write_text(print_html(prepare(source)), encoding="utf-8")
    return html


def tree_pss(pid: int) -> int:
    """Sum the proportional set size (kB) of a process and its descendants."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
    return total


def measure(command: list[str]) -> tuple[float, float]:
    """Run a command; return wall seconds and peak tree PSS in MiB."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=OUT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_pss(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{errors.decode()}")
    return wall, peak / 1024


def alternate(
    commands: dict[str, list[str]], runs: int, before: Callable[[str], None] | None = None
) -> dict[str, tuple[float, float]]:
    """Run the commands in turn, `runs` rounds; return median wall time and median peak."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            if before:
                before(name)
            samples[name].append(measure(command))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(m for _, m in values))
        for name, values in samples.items()
    }


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    report = [str(BIN / "report")]
    rows: list[str] = []
    sizes: dict[int, dict[str, tuple[float, float]]] = {}
    pages: dict[int, int] = {}
    for factor, runs in RUNS.items():
        source = scaled_content(factor)
        html = write_print_html(source)
        commands = {
            # The same work as report's default PDF: PDF/UA-1, tagged, the content attached.
            "weasyprint": [
                str(BIN / "weasyprint"),
                "--pdf-variant",
                "pdf/ua-1",
                "--pdf-tags",
                "-a",
                str(source),
                "--attachment-relationship",
                "Source",
                str(html),
                str(OUT / f"wp-{factor}x.pdf"),
            ],
            "report": [*report, "build", "--force", str(source), "-o", str(OUT / "out")],
        }
        if factor == 1:
            commands["report -j1"] = [
                *report,
                "build",
                "--force",
                "-j",
                "1",
                str(source),
                "-o",
                str(OUT / "out"),
            ]
            commands["report epub"] = [
                *report,
                "build",
                "--force",
                "-f",
                "epub",
                str(source),
                "-o",
                str(OUT / "out-epub"),
            ]
            commands["report unchanged"] = [
                *report,
                "build",
                str(source),
                "-o",
                str(OUT / "out-same"),
            ]
            subprocess.run(commands["report unchanged"], check=True, stdout=subprocess.DEVNULL)
        sizes[factor] = alternate(commands, runs)
        pages[factor] = _pages(OUT / f"wp-{factor}x.pdf")
        print(f"{factor}x done: {pages[factor]} pages", file=sys.stderr)

    parallel = _parallel()
    rows = _table(sizes, pages, parallel)
    text = "\n".join(rows) + "\n"
    (ROOT / "build" / "bench.md").write_text(text, encoding="utf-8")
    print(text)


def _parallel() -> dict[str, tuple[float, float]]:
    """Two 10x briefs: one process at a time (-j 1) against one per core."""
    sources = []
    for name in ("first", "second"):
        target = OUT / f"{name}.yaml"
        shutil.copy(OUT / "brief-10x.yaml", target)
        sources.append(str(target))
    report = str(BIN / "report")
    return alternate(
        {
            "-j 1": [report, "build", "--force", "-j", "1", *sources, "-o", str(OUT / "par")],
            "-j 2": [report, "build", "--force", "-j", "2", *sources, "-o", str(OUT / "par")],
        },
        3,
    )


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def _table(
    sizes: dict[int, dict[str, tuple[float, float]]],
    pages: dict[int, int],
    parallel: dict[str, tuple[float, float]],
) -> list[str]:
    cores = os.cpu_count()
    rows = [
        "# Benchmark: report build against the WeasyPrint CLI on the same HTML",
        "",
        "Both make a tagged PDF/UA-1 with the content file attached; report also writes the EPUB.",
        "",
        f"Medians of alternating runs ({', '.join(f'{k}x: {v}' for k, v in RUNS.items())}) on "
        f"{cores} cores; memory is the peak PSS of the whole process tree. Generated by "
        "`make bench`.",
        "",
        "| size | pages | WeasyPrint CLI | report build (PDF+EPUB) | ratio | "
        "WeasyPrint peak | report peak | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for factor, results in sizes.items():
        wp_time, wp_mem = results["weasyprint"]
        rb_time, rb_mem = results["report"]
        rows.append(
            f"| {factor}x | {pages[factor]} | {wp_time:.2f} s | {rb_time:.2f} s | "
            f"{rb_time / wp_time:.2f} | {wp_mem:.0f} MiB | {rb_mem:.0f} MiB | "
            f"{rb_mem / wp_mem:.2f} |"
        )
    one = sizes[1]
    full = one["report"][0]
    rows += [
        "",
        "| 1x build | time | ratio to full build |",
        "|---|---|---|",
        f"| full, PDF and EPUB in parallel (default) | {full:.2f} s | 1.00 |",
        f"| full, one process (-j 1) | {one['report -j1'][0]:.2f} s | "
        f"{one['report -j1'][0] / full:.2f} |",
        f"| EPUB only | {one['report epub'][0]:.2f} s | {one['report epub'][0] / full:.2f} |",
        f"| nothing changed | {one['report unchanged'][0]:.2f} s | "
        f"{one['report unchanged'][0] / full:.2f} |",
        "",
        "| two 10x briefs | time | ratio |",
        "|---|---|---|",
        f"| -j 1 | {parallel['-j 1'][0]:.2f} s | 1.00 |",
        f"| -j 2 | {parallel['-j 2'][0]:.2f} s | {parallel['-j 2'][0] / parallel['-j 1'][0]:.2f} |",
        "",
        "Growth with content (report build): "
        + ", ".join(f"{f}x {sizes[f]['report'][0]:.1f} s / {pages[f]} pages" for f in sizes),
    ]
    if shutil.which("pandoc") is None:
        rows.append("\npandoc is not installed here, so it is not compared.")
    return rows


if __name__ == "__main__":
    main()
