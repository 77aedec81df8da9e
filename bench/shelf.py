"""Benchmark a shelf: a project file and 200 copies of the brief (each with its own title,
language and identifier; the site and catalogs made too) built with `-j 1` and `-j 2`, as 4
shards run one after another then collected, and rebuilt when nothing changed.

Run with `make bench-shelf` (or `python bench/shelf.py --runs 3 --formats epub`). Every build
is a new `report` process, timed from start to exit; each measurement is the median of
`--runs` runs, the kinds of build alternating run by run (the machine is shared and noisy). The
user cache of derived data (compiled templates, covers, font subsets) is the benchmark's own and
warmed by one untimed build first, as it is on a machine that has built before. Writes
build/bench-shelf.md. Never fails on speed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BRIEF = ROOT / "content" / "belarus-nato.yaml"
OUT = ROOT / "build" / "bench-shelf"
REPORT = str(Path(sys.executable).parent / "report")
LANGUAGES = ("en", "ru", "fr", "de", "es", "uk", "be")  # the languages the tool has words for
SHARDS = 4


class NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:
        return True


PROJECT = {  # a publisher's shelf (docs/shelf.md): every build also writes the site from it
    "publisher": "Benchmark Institute",
    "series": "Benchmark Briefs",
    "base_url": "https://example.org/briefs/",
    "languages": list(LANGUAGES),
}


def make_shelf(folder: Path, count: int) -> list[Path]:
    """Write the project file and `count` copies of the brief into folder/content/, each with
    its own title, language and identifier (the same every time, so runs compare)."""
    (folder / "report.yaml").write_text(yaml.safe_dump(PROJECT), encoding="utf-8")
    brief = yaml.safe_load(BRIEF.read_text(encoding="utf-8"))
    content = folder / "content"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir(parents=True)
    paths = []
    for number in range(1, count + 1):
        copy = {**brief, "title": f"{brief['title']} ({number})"}
        copy["edition"] = {
            **brief["edition"],
            "language": LANGUAGES[number % len(LANGUAGES)],
            "identifier": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'shelf/{number}')}",
        }
        path = content / f"brief-{number:03d}.yaml"
        path.write_text(yaml.dump(copy, Dumper=NoAliases, allow_unicode=True, sort_keys=False))
        paths.append(path)
    return paths


def report(*args: str) -> float:
    """Run `report` in the shelf's folder; return its wall time. A failure stops the benchmark."""
    started = time.perf_counter()
    result = subprocess.run([REPORT, *args], cwd=OUT, capture_output=True, text=True)
    took = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"report {' '.join(args)} failed:\n{result.stderr}")
    return took


def fresh(*folders: str) -> None:
    for folder in folders:
        shutil.rmtree(OUT / folder, ignore_errors=True)


def single(jobs: int, formats: str) -> dict[str, float]:
    fresh("single")
    return {f"build -j {jobs}": report("build", "-f", formats, "-j", str(jobs), "-o", "single")}


def sharded(formats: str) -> dict[str, float]:
    folders = [f"shard-{index}" for index in range(1, SHARDS + 1)]
    fresh("collected", *folders)
    shards = sum(
        report("build", "--shard", f"{index}/{SHARDS}", "-f", formats, "-o", folder)
        for index, folder in enumerate(folders, start=1)
    )
    collect = report("collect", *folders, "-o", "collected")
    return {f"{SHARDS} shards, one after another": shards, "collect": collect}


def up_to_date(formats: str) -> dict[str, float]:
    return {"up-to-date rebuild": report("build", "-f", formats, "-o", "single")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200, help="briefs on the shelf")
    parser.add_argument("--runs", type=int, default=3, help="runs of each build (median)")
    parser.add_argument("--formats", default="pdf,epub", help="formats to build (-f)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ["XDG_CACHE_HOME"] = str(OUT / "cache")
    make_shelf(OUT, args.count)
    print(f"{args.count} briefs, -f {args.formats}, {os.cpu_count()} cores; warming the cache")
    fresh("warm")
    report("build", "-f", args.formats, "-o", "warm")
    times: dict[str, list[float]] = {}
    for run in range(args.runs):
        kinds = [
            lambda: single(1, args.formats),
            lambda: single(2, args.formats),
            lambda: sharded(args.formats),
        ]
        for kind in kinds[run % 3 :] + kinds[: run % 3]:  # a different one goes first each run
            for name, took in kind().items():
                times.setdefault(name, []).append(took)
        for name, took in up_to_date(args.formats).items():  # the folder -j 2 just wrote
            times.setdefault(name, []).append(took)
        print(f"run {run + 1}: " + ", ".join(f"{n} {t[-1]:.2f} s" for n, t in times.items()))
    table = _table(times, args)
    (OUT.parent / "bench-shelf.md").write_text(table, encoding="utf-8")
    print(table)


def _table(times: dict[str, list[float]], args: argparse.Namespace) -> str:
    lines = [
        f"A shelf of {args.count} briefs, `-f {args.formats}`, {os.cpu_count()} cores, "
        f"median of {args.runs} runs (each run's times in brackets).",
        "",
        "| build | median | runs |",
        "|---|---:|---|",
    ]
    for name, values in times.items():
        runs = ", ".join(f"{value:.2f}" for value in values)
        lines.append(f"| {name} | {statistics.median(values):.2f} s | {runs} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
