"""The registry of diagnostic codes and of the rules that produce them.

A rule is a function `rule(ctx)` registered with `@rule("DBMT2xx", …)`: it reads one file's model
through `ctx` (which records every workspace name it looks at, for incremental re-checks) and
reports diagnostics located in that file with `ctx.report(code, …)`. Codes carry their default
severity and one-line title here; the docs page is docs/codes/<CODE>.md.
"""

from __future__ import annotations

from typing import Callable

from ..diagnostics import ERROR, INFORMATION, WARNING

# code → (default severity, title). Codes are stable: never reuse or renumber one.
CODES: dict[str, tuple[str, str]] = {
    "DBMT001": (ERROR, "syntax error"),
    "DBMT101": (ERROR, "unknown table"),
    "DBMT102": (ERROR, "unknown column"),
    "DBMT103": (ERROR, "unknown enum"),
    "DBMT104": (ERROR, "unknown enum variant"),
    "DBMT105": (ERROR, "duplicate definition"),
    "DBMT106": (ERROR, "unknown mark"),
    "DBMT107": (ERROR, "misplaced mark"),
    "DBMT108": (ERROR, "bad mark arguments"),
    "DBMT109": (ERROR, "unknown TablePartial"),
    "DBMT110": (ERROR, "mark in a .dbml file"),
    "DBMT111": (ERROR, "use of a missing file or name"),
    "DBMT201": (ERROR, "relation with fewer than two references"),
    "DBMT202": (ERROR, "relation source outside a relation"),
    "DBMT203": (ERROR, "two relation sources"),
    "DBMT204": (ERROR, "relation source without a reference"),
    "DBMT301": (ERROR, "extension variant without extension table"),
    "DBMT302": (ERROR, "variant claimed by more than one table"),
    "DBMT304": (ERROR, "circular %extension_requires"),
    "DBMT305": (ERROR, "unsatisfiable constraint set"),
    "DBMT306": (WARNING, "dead variant"),
    "DBMT307": (ERROR, "%extensions_compatible list forbidden by another mark"),
    "DBMT308": (ERROR, "contract conflict between co-occurring extensions"),
    "DBMT309": (WARNING, "more legal combinations than the limit"),
    "DBMT310": (ERROR, "declared column collides with a generated one"),
    "DBMT311": (WARNING, "extension table references a table that supports its enum"),
    "DBMT312": (ERROR, "variant twice in one mark, or ALL_EXTS as a variant name"),
    "DBMT313": (ERROR, "unknown %extension_validate trigger"),
    "DBMT314": (ERROR, "extension table without a single-column primary key"),
    "DBMT401": (ERROR, "group member lacks a required column"),
    "DBMT402": (ERROR, "group members disagree on a required column's type"),
    "DBMT403": (INFORMATION, "table's groups disagree on access; strictest wins"),
    "DBMT404": (ERROR, "unknown access level"),
    "DBMT501": (ERROR, "events table name clash or mismatch"),
    "DBMT502": (ERROR, "%events_for base without %events_clone"),
    "DBMT503": (ERROR, "event cycle"),
    "DBMT504": (ERROR, "EventAction redefined differently"),
    "DBMT601": (ERROR, "default does not fit the column type"),
    "DBMT602": (ERROR, "date or duration out of range"),
    "DBMT603": (ERROR, "SQL syntax error in an expression"),
    "DBMT604": (WARNING, "unknown column in a check"),
    "DBMT605": (WARNING, "reference between columns of different types"),
    # Engine notices, not findings about the schema.
    "DBMT900": (INFORMATION, "analysis gave up within its time budget"),
}

# In .dbml files these are warnings by default: DBML does not check values against types, and
# DBML-accepted input never fails the check (language brief §10). A configured severity wins.
DBML_WARNINGS = frozenset({"DBMT601", "DBMT602", "DBMT603"})

Rule = Callable[["object"], None]
RULES: list[tuple[str, tuple[str, ...], Rule]] = []


def rule(*codes: str):
    """Register a per-file rule producing the given codes."""
    for c in codes:
        if c not in CODES:
            raise KeyError(f"rule registers unknown code {c}")

    def register(fn: Rule) -> Rule:
        RULES.append((fn.__module__ + "." + fn.__name__, codes, fn))
        return fn

    return register
