"""Whether the site is current: the build record of the site (report.plan), kept like a
brief's. Standard library and leaves only, so an up-to-date build decides it loading nothing
heavy."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from report.cache import file_digest, fingerprint
from report.plan import record, up_to_date
from report.shelf import SHELF_FOLDER
from report.version import __version__


def entry_paths(out_dir: Path) -> list[Path]:
    """The entry files in an output folder, in name order."""
    folder = out_dir / SHELF_FOLDER
    return sorted(folder.glob("*.json")) if folder.is_dir() else []


def site_is_current(out_dir: Path, project_file: Path) -> bool:
    """Whether the site in `out_dir` was made from its entries, this project file, these
    templates and this tool, and is untouched since."""
    return up_to_date(out_dir, project_file, _site_options(out_dir)) is not None


def record_site(
    out_dir: Path, project_file: Path, folders: Sequence[Path], written: Sequence[Path]
) -> None:
    """Remember what the site was made from (the entries and their covers, the project file,
    the template folders), so an up-to-date build skips it."""
    inputs = fingerprint([project_file], folders, _site_options(out_dir))
    record(out_dir, project_file, inputs, written)


def _site_options(out_dir: Path) -> dict[str, object]:
    """The entries and their covers by name with their SHA-256: named inside the output folder,
    so the record is the same in any folder (a collected shelf's is a single build's)."""
    entries = entry_paths(out_dir)
    covers = [
        path.with_name(f"{path.stem}.{kind}.jpg") for path in entries for kind in ("cover", "thumb")
    ]
    digests = {path.name: file_digest(path) for path in [*entries, *covers]}
    return {"site": dict(sorted(digests.items())), "version": __version__}
