"""How build time grows with sections and note references (run by hand, not by make bench):
`.venv/bin/python bench/growth.py`. Medians of two cold builds (PDF and EPUB) each."""

import pathlib
import statistics
import subprocess
import sys
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BASE = yaml.safe_load((ROOT / "tests" / "fixtures" / "minimal.yaml").read_text(encoding="utf-8"))
OUT = ROOT / "build" / "growth"


def measure(name: str, data: dict, runs: int = 2) -> float:
    path = OUT / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        command = [sys.executable, "-m", "report", "build", "--force", str(path), "-o", str(OUT)]
        result = subprocess.run(command, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if result.returncode:
            raise SystemExit(result.stderr)
    return statistics.median(times)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    text = "Some text of a paragraph that runs for a line or two. " * 3
    for count in (25, 50, 100, 200):
        data = dict(BASE)
        data["sections"] = [
            {"id": f"s{n}", "title": f"Section {n}", "blocks": [{"paragraph": text}]}
            for n in range(count)
        ]
        print(f"{count} sections: {measure(f'sections-{count}', data):.2f} s", flush=True)
    for per_paragraph in (5, 10, 20):
        data = dict(BASE)
        data["notes"] = {"a": "A note."}
        data["sections"] = [
            {
                "id": f"s{n}",
                "title": f"S{n}",
                "blocks": [{"paragraph": "Text [^a] " * per_paragraph}],
            }
            for n in range(10)
        ]
        seconds = measure(f"notes-{per_paragraph}", data)
        print(f"{10 * per_paragraph} note references: {seconds:.2f} s", flush=True)


if __name__ == "__main__":
    main()
