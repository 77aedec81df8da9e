"""HTML to PDF with WeasyPrint, loading resources only through the allow-list."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from report.assets import AssetRoots
from report.errors import AssetError


def render_pdf(html: str, base: Path, roots: AssetRoots, epoch: int) -> tuple[bytes, list[str]]:
    """Render print HTML to PDF bytes; return them with WeasyPrint's warnings."""
    import weasyprint  # imported here so EPUB-only builds never pay for it
    from weasyprint.urls import FatalURLFetchingError

    fetcher = _allow_list_fetcher(roots)
    with _captured_warnings() as warnings, _source_date_epoch(epoch):
        try:
            document = weasyprint.HTML(
                string=html, base_url=base.as_uri() + "/", url_fetcher=fetcher
            )
            data = document.write_pdf()
        except FatalURLFetchingError as err:
            cause = err.__cause__
            raise AssetError(str(cause) if isinstance(cause, AssetError) else str(err)) from err
    return data, warnings


def _allow_list_fetcher(roots: AssetRoots):
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AllowListFetcher(URLFetcher):
        """Serve data: URLs and allowed files; refuse everything else and fail the build."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            data, media_type = roots.read(url)
            return URLFetcherResponse(url, data, {"Content-Type": media_type})

    return AllowListFetcher(allow_redirects=False, fail_on_errors=True)


@contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    messages: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                messages.append(record.getMessage())

    logger = logging.getLogger("weasyprint")
    handler = Collect()
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False  # the caller reports them, once
    try:
        yield messages
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate


@contextmanager
def _source_date_epoch(epoch: int) -> Iterator[None]:
    """Pin font-subset timestamps to the edition date, so rebuilds are byte-identical."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = previous or str(epoch)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
