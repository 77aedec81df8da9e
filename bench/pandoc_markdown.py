"""The brief as Markdown, for comparing with pandoc (which reads Markdown, not our YAML)."""

from __future__ import annotations

from typing import Any


def brief_markdown(brief: dict[str, Any]) -> str:
    """Title block, lead, key figures and every section with its blocks, as pandoc Markdown."""
    edition = brief["edition"]
    lines = [
        "---",
        f'title: "{brief["title"]}"',
        f'subtitle: "{brief["topic"]}"',
        f'author: "{brief["author"]}"',
        f"date: {edition['date']}",
        f"lang: {edition['language']}",
        f'identifier: "{edition["identifier"]}"',
        "---",
        "",
        brief["lead"],
        "",
        *_figures(brief["key_figures"]),
    ]
    for section in brief["sections"]:
        lines += ["", f"# {section['title']} {{#{section['id']}}}"]
        for block in section["blocks"]:
            lines += ["", *_block(block)]
    lines += ["", *(f"[^{name}]: {text}" for name, text in brief.get("notes", {}).items())]
    return "\n".join(lines) + "\n"


def _block(block: dict[str, Any]) -> list[str]:
    kind, value = next(iter(block.items()))
    if kind == "paragraph":
        return [value]
    if kind == "callout":
        return [f"> {value}"]
    if kind == "list":
        return [value.get("intro", ""), "", *(f"- {item}" for item in value["items"])]
    if kind == "timeline":
        return [f"- **{entry['year']}**: {entry['event']}" for entry in value]
    if kind == "key_figures":
        return _figures(value)
    raise ValueError(f"no Markdown for a {kind!r} block")


def _figures(figures: list[dict[str, str]]) -> list[str]:
    return [
        f"- {figure.get('qualifier', '')} **{figure['value']}** {figure['label']}".replace(
            "-  ", "- "
        )
        for figure in figures
    ]
