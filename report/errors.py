"""The exception tree: a ReportError is the user's problem, anything else is a bug."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class ReportError(Exception):
    """A problem the user can fix; the CLI prints its message without a traceback.

    Every message says where (a file and line, or a template) and what was expected.
    """

    exit_code = 1


class UsageError(ReportError):
    """Raised when the command line names a file or option that cannot be used."""

    exit_code = 2


class ContentError(ReportError):
    """Raised when a content file cannot be read, parsed or validated.

    Holds every problem found, each already formatted as ``path:line:column: message``.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))

    def __reduce__(self) -> tuple[type, tuple[list[str]]]:
        # Keep the list when the error crosses from a worker process to the parent.
        return type(self), (self.problems,)


class TemplateError(ReportError):
    """Raised when a template is missing, malformed, or uses an undefined variable."""


class AssetError(ReportError):
    """Raised when a font, image or stylesheet is missing or outside the allowed folders."""

    reason: str = ""  # the message without the URL, for callers that name the file their way


class OutputError(ReportError):
    """Raised when an output file cannot be written."""


def every_problem(items: Iterable[Item], load: Callable[[Item], Result]) -> list[Result]:
    """`load` each item in turn; raise one ContentError with the problems of every item that
    fails, so a user sees them all at once."""
    results: list[Result] = []
    problems: list[str] = []
    for item in items:
        try:
            results.append(load(item))
        except ContentError as err:
            problems += err.problems
    if problems:
        raise ContentError(problems)
    return results
