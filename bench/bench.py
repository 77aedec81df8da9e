"""Benchmark `report build` against the WeasyPrint CLI on the very same print HTML, and the
preview's time from a save to the reloaded page.

Run with `make bench` (`make bench BASELINE=DIR` also runs the `report` of another checkout with
its own .venv, side by side). Sizes: the brief (1x) and generated 10x and 50x versions of it.
Each measurement is the median of several runs, tools alternating run by run (the machine is
shared and noisy); peak memory is the largest proportional set size (PSS) of the whole process
tree, sampled every 10 ms, so forked workers count once. Every `report` run is a new Python
process that imports everything. Writes build/bench.md. Never fails on speed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from data_heavy import DATA_RUNS, data_heavy_content, data_heavy_table
from pandoc_markdown import brief_markdown
from preview_timing import preview_times

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "bench"
BIN = Path(sys.executable).parent
REPORT = str(BIN / "report")
CONTENT = ROOT / "content" / "belarus-nato.yaml"
RUNS = {1: 5, 10: 3, 50: 2}
# What an EPUB-only build imports: templates, Markdown, YAML, the validator, the EPUB writer.
EPUB_LIBRARIES = "jinja2, markdown_it, yaml, pydantic_core, ebooklib.epub, lxml.html"


class NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


# Sections a content file may hold (report/content/model.py); larger sizes repeat blocks too.
MAX_SECTION_COPIES = 10


def scaled_content(factor: int) -> Path:
    """Write the brief `factor` times over: its sections repeated up to ten times (unique ids),
    and beyond that each section's blocks repeated, so the content stays within the limits."""
    brief = yaml.safe_load(CONTENT.read_text(encoding="utf-8"))
    section_copies = min(factor, MAX_SECTION_COPIES)
    block_copies = factor // section_copies
    if factor > 1:
        brief["sections"] = [
            {
                **section,
                "id": f"{section['id']}-{copy}",
                "title": f"{section['title']} ({copy + 1})",
                "blocks": section["blocks"] * block_copies,
            }
            for copy in range(section_copies)
            for section in brief["sections"]
        ]
    path = OUT / f"brief-{factor}x.yaml"
    path.write_text(yaml.dump(brief, Dumper=NoAliases, allow_unicode=True, sort_keys=False))
    return path


def write_print_html(source: Path) -> Path:
    """Write the exact HTML report renders to PDF, for the WeasyPrint CLI."""
    from report.render.prepared import prepare
    from report.render.print_edition import print_html

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


@dataclass(frozen=True)
class Command:
    """A command line and the environment it runs in."""

    argv: list[str]
    env: dict[str, str]


def measure(command: Command) -> tuple[float, float]:
    """Run a command; return wall seconds and peak tree PSS in MiB."""
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(
        command.argv, cwd=OUT, env=command.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
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
        raise SystemExit(f"{' '.join(command.argv)} failed:\n{errors.decode()}")
    return wall, peak / 1024


Results = dict[str, tuple[float, float]]


def alternate(commands: dict[str, Command], runs: int) -> Results:
    """Run the commands in turn, `runs` rounds; return median wall time and median peak."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(measure(command))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(m for _, m in values))
        for name, values in samples.items()
    }


def weasyprint_command(source: Path, html: Path, pdf: str) -> Command:
    """The WeasyPrint CLI doing the same work as report's default PDF: PDF/UA-1, tagged, the
    content file attached."""
    return Command(
        [
            str(BIN / "weasyprint"),
            "--pdf-variant",
            "pdf/ua-1",
            "--pdf-tags",
            "-a",
            str(source),
            "--attachment-relationship",
            "Source",
            str(html),
            pdf,
        ],
        {**os.environ, "REPORT_SERVER": "off"},
    )


def commands_for(factor: int, source: Path, html: Path, baseline: str | None) -> dict[str, Command]:
    # REPORT_SERVER=off: a baseline from before the build server was removed runs cold too.
    cold = {**os.environ, "REPORT_SERVER": "off"}
    wp_pdf = str(OUT / f"wp-{factor}x.pdf")

    def build(
        *options: str, out: str = "out", force: bool = True, report: str = REPORT
    ) -> list[str]:
        return [
            report,
            "build",
            *(["--force"] if force else []),
            *options,
            str(source),
            "-o",
            str(OUT / out),
        ]

    commands = {
        "weasyprint": weasyprint_command(source, html, wp_pdf),
        "report": Command(build(), cold),
        "report epub": Command(build("-f", "epub", out="out-epub"), cold),
    }
    if baseline:
        commands |= {
            "baseline": Command(build(out="out-base", report=baseline), cold),
            "baseline epub": Command(
                build("-f", "epub", out="out-base-epub", report=baseline), cold
            ),
        }
    if shutil.which("pandoc"):
        markdown = OUT / f"brief-{factor}x.md"
        brief = yaml.safe_load(source.read_text(encoding="utf-8"))
        markdown.write_text(brief_markdown(brief), encoding="utf-8")
        pandoc = ["pandoc", str(markdown), "--standalone"]
        commands |= {
            "pandoc epub": Command([*pandoc, "-o", str(OUT / f"pandoc-{factor}x.epub")], cold),
            "pandoc pdf": Command(
                [*pandoc, f"--pdf-engine={BIN / 'weasyprint'}", "-o", str(OUT / "pandoc.pdf")],
                cold,
            ),
        }
    if factor == 1:
        commands |= {
            # Where an EPUB-only build cannot go below in Python: starting the interpreter, and
            # importing the libraries an EPUB is made with (nothing of report's own).
            "python": Command([sys.executable, "-c", "pass"], cold),
            "python libraries": Command([sys.executable, "-c", f"import {EPUB_LIBRARIES}"], cold),
            "report -j1": Command(build("-j", "1"), cold),
            "report unchanged": Command(build(out="out-same", force=False), cold),
        }
        subprocess.run(
            build(out="out-same", force=False), env=cold, check=True, stdout=subprocess.DEVNULL
        )
        if baseline:
            commands["baseline unchanged"] = Command(
                build(out="out-base-same", force=False, report=baseline), cold
            )
            subprocess.run(
                build(out="out-base-same", force=False, report=baseline),
                env=cold,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    return commands


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--baseline", type=Path, help="a checkout whose .venv/bin/report to compare"
    )
    args = parser.parse_args()
    baseline = str(args.baseline.resolve() / ".venv" / "bin" / "report") if args.baseline else None
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    sizes: dict[int, Results] = {}
    pages: dict[int, int] = {}
    for factor, runs in RUNS.items():
        source = scaled_content(factor)
        html = write_print_html(source)
        sizes[factor] = alternate(commands_for(factor, source, html, baseline), runs)
        pages[factor] = _pages(OUT / f"wp-{factor}x.pdf")
        print(f"{factor}x done: {pages[factor]} pages", file=sys.stderr)
    parallel = _parallel()
    preview = preview_times(CONTENT, OUT / "preview")
    data, data_pages = _data_heavy()
    lines = _table(sizes, pages, parallel, preview, baseline) + data_heavy_table(data, data_pages)
    text = "\n".join(lines) + "\n"
    (ROOT / "build" / "bench.md").write_text(text, encoding="utf-8")
    (ROOT / "build" / "bench.json").write_text(
        json.dumps(
            {"sizes": sizes, "pages": pages, "parallel": parallel, "preview": preview}, indent=1
        )
    )
    print(text)


def _data_heavy() -> tuple[dict[int, Results], dict[int, int]]:
    """The data-heavy report against the WeasyPrint CLI on its HTML: report with its charts in
    the user cache (any rebuild), and with an empty cache (the first build: every chart drawn,
    the validator and font subsets made)."""
    results, pages = {}, {}
    for factor, runs in DATA_RUNS.items():
        source = data_heavy_content(OUT / "data", factor)
        html = write_print_html(source)
        env = {**os.environ, "REPORT_SERVER": "off"}
        cold = Command([REPORT, "build", "--force", str(source), "-o", str(OUT / "data-out")], env)
        fresh = (
            'cache=$(mktemp -d) && XDG_CACHE_HOME="$cache" "$@"; status=$?; rm -rf "$cache"; '
            "exit $status"
        )
        wp_pdf = OUT / f"wp-data-{factor}x.pdf"
        commands = {
            "weasyprint": weasyprint_command(source, html, str(wp_pdf)),
            "report": cold,
            "report cold": Command(["sh", "-c", fresh, "sh", *cold.argv], env),
        }
        subprocess.run(cold.argv, env=env, check=True, stdout=subprocess.DEVNULL)  # charts
        results[factor] = alternate(commands, runs)
        pages[factor] = _pages(wp_pdf)
        print(f"data-heavy {factor}x done: {pages[factor]} pages", file=sys.stderr)
    return results, pages


def _parallel() -> Results:
    """Two 10x briefs: one process at a time (-j 1) against one per core."""
    sources = []
    for name in ("first", "second"):
        target = OUT / f"{name}.yaml"
        shutil.copy(OUT / "brief-10x.yaml", target)
        sources.append(str(target))
    cold = {**os.environ, "REPORT_SERVER": "off"}
    return alternate(
        {
            jobs: Command(
                [REPORT, "build", "--force", "-j", jobs[-1], *sources, "-o", str(OUT / "par")],
                cold,
            )
            for jobs in ("-j 1", "-j 2")
        },
        3,
    )


def _baseline_rows(sizes: dict[int, Results], baseline: str) -> list[str]:
    rows = [
        "",
        f"Side by side with the baseline `{baseline}`, alternating run by run:",
        "",
        "| size | baseline, PDF + EPUB | this code | ratio "
        "| baseline, EPUB only | this code | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for factor, results in sizes.items():
        before, now = results["baseline"][0], results["report"][0]
        epub_before, epub_now = results["baseline epub"][0], results["report epub"][0]
        rows.append(
            f"| {factor}x | {before:.2f} s | {now:.2f} s | {now / before:.2f} | "
            f"{epub_before:.2f} s | {epub_now:.2f} s | {epub_now / epub_before:.2f} |"
        )
    same, same_now = sizes[1]["baseline unchanged"][0], sizes[1]["report unchanged"][0]
    rows.append(
        f"| 1x, nothing changed | {same:.2f} s | {same_now:.2f} s | {same_now / same:.2f} | | | |"
    )
    return rows


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def _table(
    sizes: dict[int, Results],
    pages: dict[int, int],
    parallel: Results,
    preview: dict[str, float],
    baseline: str | None,
) -> list[str]:
    rows = [
        "# Benchmark: report build against the WeasyPrint CLI on the same HTML",
        "",
        "Both make a tagged PDF/UA-1 with the content file attached; report also writes the EPUB.",
        "Every report run is a new process that imports everything (cold).",
        "",
        f"Medians of alternating runs ({', '.join(f'{k}x: {v}' for k, v in RUNS.items())}) on "
        f"{os.cpu_count()} cores; memory is the peak PSS of the whole process tree. Generated by "
        "`make bench`.",
        "",
        "| size | pages | WeasyPrint CLI | report | ratio "
        "| WeasyPrint peak | report peak | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for factor, results in sizes.items():
        wp_time, wp_mem = results["weasyprint"]
        cold_time, cold_mem = results["report"]
        rows.append(
            f"| {factor}x | {pages[factor]} | {wp_time:.2f} s | {cold_time:.2f} s | "
            f"{cold_time / wp_time:.2f} | {wp_mem:.0f} MiB | {cold_mem:.0f} MiB | "
            f"{cold_mem / wp_mem:.2f} |"
        )
    if baseline:
        rows += _baseline_rows(sizes, baseline)
    one = sizes[1]
    cold = one["report"][0]

    def row(label: str, name: str, full: float) -> str:
        return f"| {label} | {one[name][0]:.2f} s | {one[name][0] / full:.2f} |"

    rows += [
        "",
        "| 1x build | time | ratio to the full build |",
        "|---|---|---|",
        row("full, cold: PDF and EPUB in parallel (default)", "report", cold),
        row("full, cold, one process (-j 1)", "report -j1", cold),
        row("EPUB only, cold", "report epub", cold),
        row("(Python starting, alone)", "python", cold),
        row("(Python importing the EPUB's libraries, alone)", "python libraries", cold),
        row("nothing changed, cold", "report unchanged", cold),
        "",
        "`report serve`, the brief, from saving the content file (a section title changed) to",
        f"the reloaded page, median of {preview['runs']:.0f} saves in Chromium:",
        f"{preview['reload']:.2f} s; to the PDF and EPUB being current: {preview['files']:.2f} s.",
        "",
        "| two 10x briefs, cold | time | ratio |",
        "|---|---|---|",
        f"| -j 1 | {parallel['-j 1'][0]:.2f} s | 1.00 |",
        f"| -j 2 | {parallel['-j 2'][0]:.2f} s | {parallel['-j 2'][0] / parallel['-j 1'][0]:.2f} |",
        "",
        "Growth with content (report build, cold): "
        + ", ".join(f"{f}x {sizes[f]['report'][0]:.1f} s / {pages[f]} pages" for f in sizes),
    ]
    if shutil.which("pandoc") is None:
        rows.append("\npandoc is not installed here, so it is not compared.")
        return rows
    rows += [
        "",
        "pandoc from equivalent Markdown (`bench/pandoc_markdown.py`; its own default styles,",
        "no cover, no page-numbered contents, untagged PDF), against report cold on the same",
        "content:",
        "",
        "| size | pandoc EPUB | report EPUB only, cold | pandoc PDF (WeasyPrint engine) | "
        "report PDF + EPUB, cold |",
        "|---|---|---|---|---|",
    ]
    for factor, results in sizes.items():
        times = [
            results[name][0] for name in ("pandoc epub", "report epub", "pandoc pdf", "report")
        ]
        rows.append(f"| {factor}x | " + " | ".join(f"{value:.2f} s" for value in times) + " |")
    return rows


if __name__ == "__main__":
    main()
