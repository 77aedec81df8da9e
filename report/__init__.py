"""report: structured YAML content to a PDF brief and an EPUB 3 ebook through Jinja templates."""

__version__ = "0.1.0"

from report.build import Written, build, content_files  # noqa: E402
from report.content import load_brief  # noqa: E402
from report.errors import ReportError  # noqa: E402
from report.model import Brief, Section  # noqa: E402

__all__ = ["Brief", "ReportError", "Section", "Written", "__version__", "build", "content_files",
           "load_brief"]
