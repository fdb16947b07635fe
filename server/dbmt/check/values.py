"""Values (dbmt-language §8): defaults that do not fit their column type (DBMT601), date and
duration defaults out of range (DBMT602), SQL syntax errors in backtick expressions (DBMT603),
unknown columns in checks (DBMT604) and references between columns of different types
(DBMT605).

The pure work is done by `literals` (type classes, default fit, packed date/duration ranges)
and `sqlexpr` (tree-sitter parse of one expression, cached); this module only walks the file's
elements and places the diagnostics. Every lookup goes through `ctx`, so dependencies are
recorded, and enum lookups happen only for columns that have a default.

Offsets: a `Value`'s `start`/`end` cover the literal *with* its quotes or backticks, and the
text of an expression is the raw source between the backticks, so a character offset `i` in
the expression is the file offset `value.start + 1 + i`.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..suggest import close_matches
from ..syntax import nodes as n
from ..workspace.index import qkey
from .context import Ctx, display
from .dbml import default_form_ok, takes_bare_variant
from .literals import VALUE_KINDS, classify_type, default_fits, default_range_problem, integer_range, structured_default
from .registry import rule
from .sqlexpr import parse_sql_expression

__all__ = ["values", "references_types", "type_identity"]


# ---------------------------------------------------------------------------------------
# DBMT601 / 602 / 603 / 604

def _shown(v: n.Value) -> str:
    if v.kind == "string":
        return "'" + v.text.replace("'", "\\'") + "'"
    if v.kind == "expression":
        return f"`{v.text}`"
    return v.text


@rule("DBMT601", "DBMT602", "DBMT603", "DBMT604")
def values(ctx: Ctx) -> None:
    """Defaults fit their types; backtick SQL parses; checks name columns of their table."""
    for el in ctx.elements:
        if el.kind not in ("table", "partial"):
            continue
        # The table's columns (declared, injected, generated) as a lower-case → names map,
        # computed on the first check expression that needs it.
        colnames: dict[str, set[str]] | None = None

        def known_columns() -> dict[str, set[str]] | None:
            nonlocal colnames
            if colnames is None:
                d = ctx.def_of(el)
                if d is None:
                    return None
                colnames = {}
                for c in ctx.columns(d):
                    colnames.setdefault(c.name.text.lower(), set()).add(c.name.text)
            return colnames

        for col in el.columns:
            for s in col.settings:
                v = s.value
                if v is None:
                    continue
                if s.key == "default":
                    _check_default(ctx, col, v)
                    if v.kind == "expression" and not (col.type is not None and structured_default(col.type.text, v.text)):
                        _check_sql(ctx, v, "default expression")
                elif s.key == "check" and v.kind == "expression":
                    sql = _check_sql(ctx, v, "check expression")
                    if el.kind == "table":
                        _check_names(ctx, el, v, sql, known_columns)
        for ck in el.checks:
            v = ck.expression
            if v is None or v.kind != "expression":
                continue
            sql = _check_sql(ctx, v, "check expression")
            if el.kind == "table":
                _check_names(ctx, el, v, sql, known_columns)
        for idx in el.indexes:
            for v in idx.expressions:
                if v.kind == "expression":
                    _check_sql(ctx, v, "index expression", allow_list=True)


def _enum_variants(ctx: Ctx, col: n.Column) -> tuple[object, list[str]] | None:
    t = col.type
    if t is None or t.array or t.args is not None:
        return None
    found = ctx.lookup("enum", qkey(t.qname))
    if len(found) > 1:
        # The name is defined more than once where this file sees it (DBMT105 says so): the
        # column means its own file's enum if there is one; else which one is not known, and
        # its default is not judged against an arbitrary one.
        found = [d for d in found if d.path == ctx.path][:1]
    if not found:
        return None
    d = found[0]
    return d, [ev.name.text for ev in d.element.values]


def _check_default(ctx: Ctx, col: n.Column, v: n.Value) -> None:
    if col.type is None or v.kind not in VALUE_KINDS or v.kind in ("null", "expression"):
        return
    if not default_form_ok(ctx, v, takes_bare_variant(ctx, col)):
        return  # not a DBML default at all: DBMT001 says so, once
    type_text = col.type.text
    enum = _enum_variants(ctx, col)
    if enum is not None:
        enum_def, variants = enum
        reason = default_fits(col.type.qname.text, v.kind, v.text, variants)
        if reason is not None:
            ctx.report("DBMT601",
                       f"default {_shown(v)} of column '{col.name.text}' does not fit its type {col.type.qname.text}: {reason}",
                       v.start, v.end,
                       related=[(enum_def.path, enum_def.name_node.start, enum_def.name_node.end,
                                 f"enum '{display(enum_def.key)}' is defined here")],
                       data={"column": col.name.text, "type": col.type.qname.text, "value": v.text,
                             "variants": variants})
        return
    reason = default_fits(type_text, v.kind, v.text)
    if reason is not None:
        ctx.report("DBMT601",
                   f"default {_shown(v)} of column '{col.name.text}' does not fit its type {type_text}: {reason}",
                   v.start, v.end,
                   data={"column": col.name.text, "type": type_text, "value": v.text})
        return
    problem = default_range_problem(type_text, v.kind, v.text)
    if problem is not None:
        what = classify_type(type_text)
        ctx.report("DBMT602",
                   f"{what} default {_shown(v)} of column '{col.name.text}' is out of range: {problem}",
                   v.start, v.end,
                   data={"column": col.name.text, "type": type_text, "value": v.text})


def _check_sql(ctx: Ctx, v: n.Value, what: str, allow_list: bool = False):
    sql = parse_sql_expression(v.text, allow_list=allow_list)
    base = v.start + 1  # the opening backtick
    for s, e, msg in sql.errors:
        ctx.report("DBMT603", f"SQL syntax error in {what}: {msg}", base + s, base + e,
                   data={"expression": v.text, "reason": msg})
    return sql


def _check_names(ctx: Ctx, el: n.Table, v: n.Value, sql, known_columns) -> None:
    if not sql.identifiers:
        return
    cols = known_columns()
    if cols is None:
        return
    base = v.start + 1
    table = el.name.text if el.name else ""
    for name, s, e in sql.identifiers:
        quoted = v.text[s:s + 1] == '"'
        found = cols.get(name.lower())
        if found is not None and (not quoted or name in found):
            continue
        all_names = sorted({x for xs in cols.values() for x in xs})
        close = close_matches(name, all_names, n=1, cutoff=0.6)
        if not close and not quoted:
            close = [x for x in all_names if x.lower() == name.lower()][:1]
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        shown = v.text[s:e] if quoted else f"'{name}'"
        ctx.report("DBMT604", f"check names {shown}, which is not a column of table '{table}'{hint}",
                   base + s, base + e,
                   related=[(ctx.path, el.name.last.start, el.name.last.end, f"table '{table}' is defined here")] if el.name else [],
                   data={"table": table, "column": name})


# ---------------------------------------------------------------------------------------
# DBMT605

_FLOAT_WIDTH = {
    "float4": 32, "real": 32, "f32": 32, "float32": 32, "binary_float": 32,
    # PostgreSQL: `float` without a precision is double precision.
    "float": 64, "float8": 64, "double": 64, "double precision": 64, "f64": 64, "float64": 64,
    "binary_double": 64,
}
_SYNONYMS = {
    # strings
    "character varying": "varchar", "char varying": "varchar", "varchar2": "varchar",
    "string": "varchar", "str": "varchar",
    "character": "char", "bpchar": "char",
    "national character varying": "nvarchar", "national char varying": "nvarchar", "nvarchar2": "nvarchar",
    "national character": "nchar", "national char": "nchar",
    # decimals
    "numeric": "decimal", "dec": "decimal",
    # booleans
    "bool": "boolean",
    # date/time
    "timestamp without time zone": "timestamp", "datetime": "timestamp",
    "timestamp with time zone": "timestamptz",
    "time without time zone": "time", "time with time zone": "timetz",
    "uniqueidentifier": "uuid",
}
# Classes whose parameters (length, precision/scale) are part of the type's identity.
_PARAMETRISED = ("string", "decimal")
_WS = re.compile(r"\s+")


def _base(text: str) -> str:
    t = _WS.sub(" ", text.strip().lower())
    t = t.replace('"', "")
    if t.startswith("public."):
        t = t[7:]
    return t


def type_identity(type_ref: n.TypeRef) -> tuple:
    """What must be equal for two column types to count as the same type (DBMT605).

    Integers compare by range (`int` = `integer` = `int4` = `serial`, but `int` ≠ `bigint` and
    `int` ≠ `u32`); floats by width; SQL synonyms are merged (`varchar` = `character varying`,
    `decimal` = `numeric`, `bool` = `boolean`, `timestamptz` = `timestamp with time zone`);
    string lengths and decimal precision/scale count (`varchar(100)` ≠ `varchar(255)`), other
    parameters do not (`timestamp(3)` = `timestamp`). Any other type compares by its name,
    case-insensitively, ignoring white space and a `public.` schema.
    """
    return _identity(type_ref.qname.text, type_ref.args, type_ref.array, type_ref.text)


@lru_cache(maxsize=4096)
def _identity(qname: str, raw_args: str | None, array: int, text: str) -> tuple:
    args = _WS.sub("", raw_args.lower()) if raw_args else None
    if array:
        inner = re.sub(r"(\s*\[[0-9\s]*\])+\s*$", "", text)
        return ("array", array, _identity(qname, raw_args, 0, inner))
    cls = classify_type(text)
    base = _base(qname)
    if cls == "integer":
        bounds = integer_range(text)
        return ("integer", bounds) if bounds is not None else ("integer", base)
    if cls == "float":
        return ("float", _FLOAT_WIDTH.get(base, base))
    if cls in _PARAMETRISED:
        return (cls, _SYNONYMS.get(base, base), args)
    if cls != "unknown":
        return (cls, _SYNONYMS.get(base, base))
    # Unknown names: normalised text, parameters included.
    return ("other", _WS.sub("", _base(text)))


def _column_path(ctx: Ctx, d, col: n.Column) -> str:
    """The file a column's offsets refer to: an injected column lives in its partial's file; a
    column an `%events_for` table gets from its base (the generated `id`, `<base>_id`, `action`
    at the base's `%events_clone` mark, and copies of the base's columns) in the base's file,
    which may be another file than the events table's."""
    if col.injected_from:
        p = ctx.named("partial", col.injected_from)
        if p is not None:
            return p.path
    if col.generated_from is not None and not any(c is col for c in d.element.columns):
        from .events import for_base
        fb = for_base(ctx, d)
        if fb is not None and fb[1] is not None:
            return fb[1].path
    return d.path


def _resolve(ctx: Ctx, ep: n.Endpoint, own):
    """(table def, [columns]) without reporting (names.py reports unknown names)."""
    d = own if ep.table is None else ctx.table(ep.table)
    if d is None:
        return None, []
    return d, [ctx.column(d, c.text) for c in ep.columns]


def _compare(ctx: Ctx, a, ca: n.Column, b, cb: n.Column, start: int, end: int, where: str) -> None:
    if ca is None or cb is None or ca.type is None or cb.type is None:
        return
    if type_identity(ca.type) == type_identity(cb.type):
        return
    na = f"{display(a.key)}.{ca.name.text}"
    nb = f"{display(b.key)}.{cb.name.text}"
    ctx.report("DBMT605",
               f"{where} between columns of different types: '{na}' is {ca.type.text}, '{nb}' is {cb.type.text}",
               start, end,
               related=[(_column_path(ctx, a, ca), ca.start, ca.end, f"'{na}' is declared {ca.type.text} here"),
                        (_column_path(ctx, b, cb), cb.start, cb.end, f"'{nb}' is declared {cb.type.text} here")],
               data={"left": na, "left_type": ca.type.text, "right": nb, "right_type": cb.type.text})


@rule("DBMT605")
def references_types(ctx: Ctx) -> None:
    """Both ends of every reference (inline or `Ref`) have the same type, pairwise.

    Many-to-many (`<>`) is exempt: DBML turns it into a junction table whose columns copy
    each side's own type, so the two sides are never compared by the database."""
    for el in ctx.elements:
        if el.kind in ("table", "partial"):
            own = None
            for col in el.columns:
                for s in col.settings:
                    if (s.key != "ref" or s.ref is None or len(s.ref.target.columns) != 1
                            or s.ref.op == "<>"):
                        continue
                    if own is None:
                        own = ctx.def_of(el)
                        if own is None:
                            break
                    d, cols = _resolve(ctx, s.ref.target, own)
                    if d is None:
                        continue
                    _compare(ctx, own, col, d, cols[0], s.start, s.end, "reference")
        elif el.kind == "ref":
            for rel in el.relationships:
                if rel.op == "<>":
                    continue  # many-to-many: each side is keyed by its own junction column
                da, ca = _resolve(ctx, rel.left, None)
                db, cb = _resolve(ctx, rel.right, None)
                if da is None or db is None or len(ca) != len(cb):
                    continue
                for x, y in zip(ca, cb):
                    _compare(ctx, da, x, db, y, rel.op_start, rel.op_start + len(rel.op), "reference")
