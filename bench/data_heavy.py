"""A data-heavy report for `make bench`: 20 tables of 30 rows and 10 charts at 1x, ten times that
at 10x, each table and chart reading a CSV file of its own."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

COUNTRIES = [
    "Albania", "Belgium", "Bulgaria", "Canada", "Croatia", "Czechia", "Denmark", "Estonia",
    "Finland", "France", "Germany", "Greece", "Hungary", "Iceland", "Italy", "Latvia",
    "Lithuania", "Luxembourg", "Montenegro", "Netherlands", "North Macedonia", "Norway",
    "Poland", "Portugal", "Romania", "Slovakia", "Slovenia", "Spain", "Sweden", "Türkiye",
]  # fmt: skip
YEARS = [str(year) for year in range(2016, 2024)]


def data_heavy_content(folder: Path, factor: int) -> Path:
    """Write the data-heavy content file (and its CSV files) for one size; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    numbers = random.Random(factor)  # the same data at every run of the bench
    sections = []
    for index in range(10 * factor):
        tables = [_table(folder, numbers, index, part) for part in (1, 2)]
        chart = _chart(index)
        paragraph = (
            f"Spending by country ([](#table-{index}-1), [](#table-{index}-2)); "
            f"[](#chart-{index}) shows the trend."
        )
        blocks = [{"paragraph": paragraph}, *tables, chart]
        sections.append({"id": f"part-{index}", "title": f"Part {index + 1}", "blocks": blocks})
    brief = {
        "title": f"Defence expenditure of NATO countries ({factor}x)",
        "topic": "Data brief",
        "author": "Benchmark",
        "edition": {
            "identifier": "urn:uuid:0c1d2e3f-4a5b-4c6d-8e7f-90a1b2c3d4e5",
            "language": "en",
            "number": 1,
            "date": dt.date(2026, 12, 1),
        },
        "lead": "Twenty tables of thirty rows and ten charts for each ten sections.",
        "contents": {"tables": True, "figures": True},
        "sections": sections,
    }
    path = folder / f"data-{factor}x.yaml"
    path.write_text(yaml.safe_dump(brief, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _table(folder: Path, numbers: random.Random, index: int, part: int) -> dict:
    name = f"data/table-{index}-{part}.csv"
    rows = [
        ",".join([f'"{country}"', *(f"{numbers.uniform(0.5, 4.5):.2f}" for _ in YEARS)])
        for country in COUNTRIES
    ]
    (folder / name).write_text("Country," + ",".join(YEARS) + "\n" + "\n".join(rows) + "\n")
    caption = f"Defence expenditure as a share of GDP, {YEARS[0]}–{YEARS[-1]} (set {index}.{part})"
    return {"table": {"id": f"table-{index}-{part}", "caption": caption, "csv": name}}


def _chart(index: int) -> dict:
    return {
        "chart": {
            "id": f"chart-{index}",
            "caption": f"Share of GDP in {YEARS[-1]}, by country (set {index}.1)",
            "alt": "Bar chart of each country's defence expenditure as a share of GDP.",
            "data": f"data/table-{index}-1.csv",
            "spec": {
                "mark": "bar",
                "encoding": {
                    "x": {"field": "Country", "type": "nominal", "sort": "-y"},
                    "y": {"field": YEARS[-1], "type": "quantitative", "title": "% of GDP"},
                },
            },
        }
    }


DATA_RUNS = {1: 3, 10: 1}


def data_heavy_table(
    results: dict[int, dict[str, tuple[float, float]]], pages: dict[int, int]
) -> list[str]:
    """The data-heavy rows of build/bench.md."""
    rows = [
        "",
        "Data-heavy report (`bench/data_heavy.py`): per 1x, 20 tables of 30 rows from CSV files",
        "and 10 charts (a bar chart of 30 countries each), with lists of tables and figures.",
        "",
        "| size | pages | WeasyPrint CLI | report, charts cached | ratio | report, empty cache "
        "| ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for factor, result in results.items():
        wp, warm, cold = (result[name][0] for name in ("weasyprint", "report", "report cold"))
        rows.append(
            f"| {factor}x | {pages[factor]} | {wp:.2f} s | {warm:.2f} s | {warm / wp:.2f} | "
            f"{cold:.2f} s | {cold / wp:.2f} |"
        )
    return rows
