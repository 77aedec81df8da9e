"""report: structured YAML content to a PDF brief and an EPUB 3 ebook through Jinja templates.

The public API is `build`, `load_brief` (a content file), `validate_brief` (plain data), the model
types and `ReportError`; they are imported on first use, so `python -m report` starts fast when
the build turns out to be up to date. The model types are plain frozen dataclasses: building one
by hand checks nothing, `load_brief` and `validate_brief` do.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "Brief": "report.model",
    "Section": "report.model",
    "ReportError": "report.errors",
    "Written": "report.build",
    "build": "report.build",
    "content_files": "report.sources",
    "load_brief": "report.content",
    "validate_brief": "report.validation",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'report' has no attribute {name!r}")
