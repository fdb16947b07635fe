"""Diagnostics as the engine produces them: code, severity, message, exact range, related places."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
INFORMATION = "information"
HINT = "hint"
SEVERITIES = (ERROR, WARNING, INFORMATION, HINT)

DOCS_URL_LABEL = "Diagnostic codes"  # the [project.urls] entry naming the published docs/codes/


def _local_docs_dir():
    """The copy of docs/codes/ an installed wheel ships (dbmt/_docs/codes), else a source
    checkout's docs/codes/, else None."""
    from pathlib import Path

    here = Path(__file__).resolve()
    shipped = here.parent / "_docs" / "codes"
    if shipped.is_dir():
        return shipped
    for parent in here.parents:
        if (parent / "docs" / "codes").is_dir() and (parent / "server" / "dbmt").is_dir():
            return parent / "docs" / "codes"
    return None


@functools.cache
def docs_base() -> str:
    """Where the page `<CODE>.md` of every code lives, ending in `/`.

    A stable https address wins: the installed distribution's `[project.urls]` entry
    "Diagnostic codes" (pyproject.toml). Without one, the pages on this machine: the copy the
    wheel ships, or a source checkout's docs/codes/, as file:// URIs."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata

        try:
            entries = metadata("dbmt").get_all("Project-URL") or []
        except PackageNotFoundError:
            entries = []
        want = _label_key(DOCS_URL_LABEL)
        for entry in entries:
            label, _, url = entry.partition(",")
            url = url.strip()
            if _label_key(label) == want and url:
                return url if url.endswith("/") else url + "/"
    except ImportError:  # pragma: no cover - importlib.metadata is stdlib
        pass
    local = _local_docs_dir()
    return local.as_uri() + "/" if local is not None else "docs/codes/"


def _label_key(label: str) -> str:
    # Project-URL labels compare as PEP 753 normalises them: no punctuation or blanks, lower case.
    return "".join(ch for ch in label.lower() if ch.isalnum())


def docs_url(code: str) -> str:
    return f"{docs_base()}{code}.md"


def docs_page_text(code: str) -> str | None:
    """The text of the code's docs page on this machine, when it is there."""
    local = _local_docs_dir()
    if local is None:
        return None
    try:
        return (local / f"{code}.md").read_text(encoding="utf-8")
    except OSError:
        return None


def __getattr__(name: str):
    # DOCS_BASE is computed on first use: reading the distribution's metadata costs a few
    # milliseconds that a warm --check should not pay.
    if name == "DOCS_BASE":
        return docs_base()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
        return docs_url(self.code)

    def sort_key(self):
        return (self.path, self.start, self.end, self.code, self.message)
