"""The marks of §2: known names, where each may stand, the shape of its arguments (DBMT106–108,
DBMT110), and the names its arguments refer to (DBMT103/104 for enums and variants)."""

from __future__ import annotations

from dataclasses import dataclass

from ..suggest import close_matches
from ..syntax import nodes as n
from .context import Ctx
from .registry import rule


@dataclass(frozen=True)
class MarkSpec:
    where: str          # table | column | enum | group
    min_args: int
    max_args: int | None
    kinds: tuple[str, ...]  # accepted argument kinds
    describe: str       # what the arguments are, for messages


IDENT = ("identifier",)
NAMEISH = ("identifier", "dotted")
MARKS: dict[str, MarkSpec] = {
    "relation": MarkSpec("table", 0, 0, (), "no arguments"),
    "relation_source": MarkSpec("column", 0, 0, (), "no arguments"),
    "extension_enum": MarkSpec("table", 1, 1, ("dotted",), "one Enum.Variant"),
    "extension": MarkSpec("table", 1, 1, NAMEISH, "one enum name"),
    "extension_validate": MarkSpec("table", 1, None, IDENT, "one or more triggers (init, write, read)"),
    "extension_exclusive": MarkSpec("enum", 2, None, IDENT, "two or more variants, or ALL_EXTS"),
    "extension_requires": MarkSpec("enum", 2, None, IDENT, "a source variant, then one or more sink variants"),
    "extensions_incompatible": MarkSpec("enum", 2, None, IDENT, "two or more variants, or ALL_EXTS"),
    "extensions_compatible": MarkSpec("enum", 2, None, IDENT, "two or more variants, or ALL_EXTS"),
    "extensions_required": MarkSpec("enum", 1, None, IDENT, "one or more variants, or ALL_EXTS"),
    "extension_limit": MarkSpec("enum", 1, 1, ("integer",), "one integer"),
    "require_columns": MarkSpec("group", 1, None, IDENT, "one or more column names"),
    "access": MarkSpec("group", 1, 1, IDENT, "one access level (public, internal, confidential, restricted)"),
    "events_clone": MarkSpec("table", 0, 1, IDENT, "an optional events-table name"),
    "events_for": MarkSpec("table", 1, 1, NAMEISH, "one base table"),
}
CONSTRAINT_MARKS = {"extension_exclusive", "extension_requires", "extensions_incompatible",
                    "extensions_compatible", "extensions_required"}
WHERE_WORDS = {"table": "a Table body", "column": "the end of a column line", "enum": "an Enum body", "group": "a TableGroup body"}
ALL_EXTS = "ALL_EXTS"


def _element_marks(ctx: Ctx):
    """(mark, where it stands, owning element, owning column) for every mark of the file."""
    for el in ctx.elements:
        where = {"table": "table", "partial": "partial", "enum": "enum", "group": "group"}.get(el.kind)
        for mk in el.marks:
            yield mk, where, el, None
        if el.kind in ("table", "partial"):
            for col in el.columns:
                for mk in col.marks:
                    yield mk, "column", el, col
    for mk in ctx.marks:
        if mk.placement.startswith("misplaced"):
            yield mk, mk.placement.split(":", 1)[1] if ":" in mk.placement else "here", None, None


@rule("DBMT106", "DBMT107", "DBMT108", "DBMT110")
def mark_shapes(ctx: Ctx) -> None:
    is_dbml = ctx.fm.is_dbml
    for mk, where, el, col in _element_marks(ctx):
        span = (mk.start, mk.name_end)
        if is_dbml:
            ctx.report("DBMT110", f"mark '%{mk.name}' in a .dbml file: marks are dbmt only (rename the file to .dbmt)",
                       *span, data={"mark": mk.name})
            continue
        spec = MARKS.get(mk.name)
        if spec is None:
            close = close_matches(mk.name, list(MARKS), n=1, cutoff=0.6)
            hint = f" (did you mean '%{close[0]}'?)" if close else ""
            ctx.report("DBMT106", f"unknown mark '%{mk.name}'{hint}", *span,
                       data={"mark": mk.name, "suggestion": close[0] if close else None})
            continue
        if where != spec.where:
            here = {"partial": "a TablePartial body", "table": "a Table body", "column": "a column line",
                    "enum": "an Enum body", "group": "a TableGroup body"}.get(where, f"the {where}")
            ctx.report("DBMT107", f"mark '%{mk.name}' belongs in {WHERE_WORDS[spec.where]}, not in {here}", *span,
                       data={"mark": mk.name})
            continue
        for s, e, text in mk.bad_args:
            ctx.report("DBMT108", f"'{text}' is not a valid argument of '%{mk.name}' (expected {spec.describe})", s, e,
                       data={"mark": mk.name})
        count = len(mk.args) + len(mk.bad_args)
        all_exts = any(a.text == ALL_EXTS for a in mk.args)
        too_few = count < spec.min_args and not (all_exts and mk.name in CONSTRAINT_MARKS and mk.name != "extension_requires")
        if too_few or (spec.max_args is not None and count > spec.max_args):
            got = "no arguments" if count == 0 else f"{count} argument{'s' if count != 1 else ''}"
            end = mk.end if count else mk.name_end
            ctx.report("DBMT108", f"'%{mk.name}' takes {spec.describe}, got {got}", mk.start, end,
                       data={"mark": mk.name})
            continue
        for a in mk.args:
            if a.kind not in spec.kinds:
                ctx.report("DBMT108", f"'{a.text}' is not a valid argument of '%{mk.name}' (expected {spec.describe})",
                           a.start, a.end, data={"mark": mk.name})
    # A table claims at most one variant.
    for el in ctx.elements:
        if el.kind == "table":
            claims = [m for m in el.marks if m.name == "extension_enum"]
            for extra in claims[1:]:
                ctx.report("DBMT108", f"table '{el.name.text if el.name else ''}' claims a second variant: an extension table claims exactly one",
                           extra.start, extra.end,
                           related=[(ctx.path, claims[0].start, claims[0].end, "first claim")], data={"mark": "extension_enum"})


def valid_marks(el: n.Element, name: str) -> list[n.Mark]:
    """Marks of `name` on an element, in order, that have the right shape (rules build on these)."""
    spec = MARKS[name]
    out = []
    for mk in el.marks:
        if mk.name != name or mk.bad_args:
            continue
        if spec.max_args is not None and len(mk.args) > spec.max_args:
            continue
        if len(mk.args) < spec.min_args and not (mk.args and mk.args[0].text == ALL_EXTS and name in CONSTRAINT_MARKS):
            continue
        if any(a.kind not in spec.kinds for a in mk.args):
            continue
        out.append(mk)
    return out


@rule("DBMT103", "DBMT104")
def mark_references(ctx: Ctx) -> None:
    """Enum and variant names in marks exist: `%extension_enum E.V`, `%extension E`, and the
    variants of constraint marks."""
    if ctx.fm.is_dbml:
        return
    for el in ctx.elements:
        if el.kind == "table":
            for mk in valid_marks(el, "extension_enum"):
                a = mk.args[0]
                enum_text, variant = a.text.rsplit(".", 1)
                e = ctx.enum(enum_text)
                if e is None:
                    ctx.report("DBMT103", f"unknown enum '{enum_text}'{ctx.suggest('enum', enum_text)}",
                               a.start, a.start + len(enum_text), data={"name": enum_text, "kind": "enum"})
                elif not ctx.has_variant(e.element, variant):
                    close = close_matches(variant, [v.name.text for v in e.element.values], n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    ctx.report("DBMT104", f"enum '{enum_text}' has no variant '{variant}'{hint}",
                               a.start + len(enum_text) + 1, a.end,
                               related=[(e.path, e.name_node.start, e.name_node.end, f"enum '{enum_text}' is defined here")],
                               data={"enum": enum_text, "variant": variant})
            for mk in valid_marks(el, "extension"):
                a = mk.args[0]
                if ctx.enum(a.text) is None:
                    ctx.report("DBMT103", f"unknown enum '{a.text}'{ctx.suggest('enum', a.text)}", a.start, a.end,
                               data={"name": a.text, "kind": "enum"})
        elif el.kind == "enum":
            names = {v.name.text for v in el.values}
            for mk in el.marks:
                if mk.name not in CONSTRAINT_MARKS or mk.name not in MARKS:
                    continue
                for a in mk.args:
                    if a.kind == "identifier" and a.text != ALL_EXTS and a.text not in names:
                        close = close_matches(a.text, sorted(names), n=1, cutoff=0.6)
                        hint = f" (did you mean '{close[0]}'?)" if close else ""
                        ctx.report("DBMT104", f"enum '{el.name.text if el.name else ''}' has no variant '{a.text}'{hint}",
                                   a.start, a.end, data={"enum": el.name.text if el.name else "", "variant": a.text})
