"""report: structured YAML content to a PDF brief, an EPUB 3 ebook and a web edition through
Jinja templates.

The public API: `build` (content files to outputs), `load_brief` (a content file to a validated
Brief), `validate_brief` (plain data to a Brief), `content_files`, the model types and
`ReportError`. They are imported on first use, so `python -m report` starts fast when the build
turns out to be up to date. The model types are plain frozen dataclasses: building one by hand
checks nothing, `load_brief` and `validate_brief` do.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING

from report.version import __version__

if TYPE_CHECKING:
    from report.content.model import Brief

_EXPORTS = {
    "Brief": "report.content.model",
    "Section": "report.content.model",
    "ReportError": "report.errors",
    "Written": "report.pipeline",
    "build": "report.pipeline",
    "content_files": "report.options",
    "validate_brief": "report.content.validation",
}

__all__ = [*_EXPORTS, "__version__", "load_brief"]


def load_brief(path: Path | str) -> Brief:
    """Load and validate one content file, its theme checked against the installed ones; raise
    ContentError listing every problem."""
    from report.content.loader import load_brief as load
    from report.render.templates import theme_folders

    return load(path, themes=theme_folders())


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'report' has no attribute {name!r}")
