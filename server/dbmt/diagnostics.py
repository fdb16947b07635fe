"""Diagnostics as the engine produces them: code, severity, message, exact range, related places."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
INFORMATION = "information"
HINT = "hint"
SEVERITIES = (ERROR, WARNING, INFORMATION, HINT)

def _docs_base() -> str:
    # The docs pages live in the source tree's docs/codes/; an installed wheel links to the same
    # relative place, which the README points at.
    from pathlib import Path

    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "docs" / "codes").is_dir():
            return (parent / "docs" / "codes").as_uri() + "/"
    return "docs/codes/"


DOCS_BASE = _docs_base()


@dataclass(frozen=True)
class Related:
    """Another place involved in a diagnostic (character offsets in `path`)."""

    path: str
    start: int
    end: int
    message: str


@dataclass
class Diagnostic:
    code: str
    severity: str
    message: str
    path: str
    start: int
    end: int
    related: list[Related] = field(default_factory=list)
    data: dict = field(default_factory=dict)

    @property
    def docs_url(self) -> str:
        return f"{DOCS_BASE}{self.code}.md"

    def sort_key(self):
        return (self.path, self.start, self.end, self.code, self.message)
