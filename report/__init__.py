"""report: structured YAML content to a PDF brief and an EPUB 3 ebook through Jinja templates."""

__version__ = "0.1.0"

from report.build import Written, build, content_files
from report.content import load_brief
from report.errors import ReportError
from report.model import Brief, Section

__all__ = [
    "Brief",
    "ReportError",
    "Section",
    "Written",
    "__version__",
    "build",
    "content_files",
    "load_brief",
]
