"""DBML validity: what the official DBML parser (@dbml/core 10.2.0, `dbmlv2`) rejects beyond the
grammar, so that a file dbmt accepts is a file DBML accepts (language brief §1).

The rules follow @dbml/parse's validators (`local_modules/*/validate.ts`) and binder
(`global_modules/program/bind.ts`), in DBML's words:

- settings lists, per context: a setting given twice where DBML allows it once (`ref`,
  `check` and `dep` may repeat), flags with a value (`pk: 1`), `pk` with `primary key`,
  `null` with `not null`, values of the wrong kind (`note` not a string, `check` not a
  backtick expression, `default` not a literal / `Enum.value`, `color` not a `#rgb` or
  `#rrggbb` literal, `delete:`/`update:` not a referential action), unknown settings where
  DBML has no custom settings (Ref, index, check, enum value, TablePartial header) and custom
  settings whose value is not a string or a color (Table, column, TableGroup, sticky Note);
- elements: a Table without columns (after `~partial` injection), an Enum without values, a
  Note inside an Enum, two Notes in one Table / TablePartial / TableGroup body, a
  schema-qualified TableGroup name, a table listed twice in one TableGroup, two Projects, a
  `~partial` injected twice, a settings list on a Ref header, two relationships in one Ref,
  composite endpoints of different sizes, a relationship whose two endpoints are the same
  column(s) (a table's own columns; in a TablePartial, a bare `ref: > own_column`);
- a relationship defined twice with the same endpoints, inline or top-level, in either
  direction (DBMT105, with the other definitions as related information). As in DBML 10.2.0,
  relationships that a table receives through `~partial` injection do not count here.

All of these are DBMT001 (not valid DBML) except the duplicate relationship (DBMT105).
Every diagnostic is located in the checked file.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import islice

from ..syntax import nodes as n
from ..workspace.index import qkey
from .context import RELATED_LIMIT, Ctx, Sized, capped, display
from .facts import refresh
from .registry import rule
from .relations import depend_on_mentions

COLOR_RE = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\Z")
POLICIES = ("cascade", "no action", "set null", "set default", "restrict")
DEFAULT_MSG = "'default' must be an enum value, a string literal, number literal, function expression, true, false or null"

# Per context: setting → how DBML validates it. Kinds:
#   flag    once, no value           string  once, a quoted string    color  once, a color literal
#   default once, a default value    policy  once, a referential action
#   ident   once, a name             expr*   repeatable, a backtick expression
#   ref*    repeatable (inline refs are checked elsewhere)    any*  repeatable, not checked
COLUMN = {"note": "string", "ref": "ref*", "primary key": "flag", "pk": "flag", "not null": "flag",
          "null": "flag", "unique": "flag", "increment": "flag", "default": "default",
          "check": "expr*", "dep": "any*"}
TABLE = {"headercolor": "color", "note": "string", "dep": "any*"}
PARTIAL = {"headercolor": "color", "note": "string"}
GROUP = {"color": "color", "note": "string"}
STICKY = {"color": "color|none"}
RELATIONSHIP = {"delete": "policy", "update": "policy", "color": "color", "inactive": "flag"}
INDEX = {"note": "string", "name": "string", "unique": "flag", "pk": "flag", "type": "ident"}
ENUM_VALUE = {"note": "string"}
CHECK = {"name": "string"}


class _Out:
    """Collects one file's findings, without repeats (one place can be found twice through
    a partial injected into several tables)."""

    def __init__(self, ctx: Ctx):
        self.ctx = ctx
        self.seen: set[tuple] = set()

    def __call__(self, code: str, message: str, start: int, end: int, related=()) -> None:
        key = (code, start, end, message)
        if key in self.seen:
            return
        self.seen.add(key)
        self.ctx.report(code, message, start, end, related=related)


def _is_string(v: n.Value | None) -> bool:
    return v is not None and v.kind == "string"


def _is_color(v: n.Value | None) -> bool:
    return v is not None and v.kind == "color" and COLOR_RE.match(v.text) is not None


def _written_quoted_name(ctx: Ctx, v: n.Value) -> bool:
    return ctx.parsed.text[v.start:v.start + 1] == '"'


SIGNED_RE = re.compile(r"[+\-\s]*(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")


def _valid_default(ctx: Ctx, v: n.Value | None) -> bool:
    if v is None:
        return False
    if v.kind in ("string", "number", "boolean", "null", "expression"):
        return True
    if v.kind == "other" and SIGNED_RE.match(ctx.parsed.text[v.start:v.end]):
        return True  # `+-2`, `--++7.2`: DBML takes any run of signs
    # `Enum.value` or `schema.Enum.value`; a lone name is not a DBML default.
    return v.kind == "identifier" and v.qname is not None and 2 <= len(v.qname.parts) <= 3


def default_form_ok(ctx: Ctx, v: n.Value | None, bare_variant_ok: bool) -> bool:
    """Is `default: v` one of the forms DBML takes (DBMT001 otherwise)? `bare_variant_ok`: the
    column is enum-typed in a .dbmt file, where a bare variant names the default (§8)."""
    lone = v is not None and v.kind == "identifier" and v.qname is not None and len(v.qname.parts) == 1
    return _valid_default(ctx, v) or (bare_variant_ok and lone)


def takes_bare_variant(ctx: Ctx, col: n.Column) -> bool:
    return not ctx.fm.is_dbml and _enum_typed(ctx, col)


def check_settings(ctx: Ctx, out: _Out, settings: list[n.Setting], spec: dict[str, str],
                   where: str, custom: bool, bare_variant_ok: bool = False) -> None:
    """One settings list against DBML's rules for its context (`where` names it in messages).

    `bare_variant_ok`: in a .dbmt file, an enum-typed column may name its default variant
    bare (`default: active`, §8; DBML wants `status.active`); DBMT601 checks the variant."""
    first: dict[str, n.Setting] = {}
    for s in settings:
        kind = spec.get(s.key)
        v = s.value
        repeatable = kind is not None and kind.endswith("*")
        prev = first.get(s.key)
        if prev is None:
            first[s.key] = s
        elif not repeatable:
            out("DBMT001", f"'{s.key}' is given twice in this settings list; DBML allows it once",
                s.start, s.end, related=[(ctx.path, prev.start, prev.end, f"'{s.key}' is first given here")])
        if kind is None:
            if not custom:
                out("DBMT001", f"unknown {where} setting '{s.key}'", s.start, s.end)
            elif not (_is_string(v) or _is_color(v)):
                out("DBMT001", f"custom setting '{s.key}' must be a string or a color literal (DBML's custom metadata)",
                    s.start, s.end)
            continue
        if kind == "flag":
            if v is not None:
                out("DBMT001", f"'{s.key}' must not have a value", v.start, v.end)
        elif kind == "string":
            if not _is_string(v):
                at = v or s
                out("DBMT001", f"'{s.key}' must be a quoted string", at.start, at.end)
        elif kind in ("color", "color|none"):
            if not (_is_color(v) or (kind == "color|none" and v is not None and v.kind == "identifier"
                                     and v.text.lower() == "none")):
                at = v or s
                out("DBMT001", f"'{s.key}' must be a color literal like #fff or #a1b2c3", at.start, at.end)
        elif kind == "default":
            if not default_form_ok(ctx, v, bare_variant_ok):
                at = v or s
                out("DBMT001", DEFAULT_MSG, at.start, at.end)
        elif kind == "policy":
            if v is None or v.kind != "identifier" or v.text.lower() not in POLICIES:
                at = v or s
                out("DBMT001", f"'{s.key}' must be one of cascade, no action, set null, set default or restrict",
                    at.start, at.end)
        elif kind == "ident":
            ok = v is not None and ((v.kind == "identifier" and v.qname is not None and len(v.qname.parts) == 1)
                                    or (v.kind == "string" and _written_quoted_name(ctx, v)))
            if not ok:
                at = v or s
                out("DBMT001", f"'{s.key}' must be a name, like btree or hash", at.start, at.end)
        elif kind == "expr*":
            if v is None or v.kind != "expression":
                at = v or s
                out("DBMT001", f"'{s.key}' must be a backtick expression, like `price > 0`", at.start, at.end)
    keys = {s.key: s for s in settings}
    for a, b, msg in (("pk", "primary key", "only one of 'pk' and 'primary key' can be given"),
                      ("not null", "null", "'not null' and 'null' cannot be set at the same time")):
        if spec is COLUMN and a in keys and b in keys:
            later = max(keys[a], keys[b], key=lambda s: s.start)
            earlier = min(keys[a], keys[b], key=lambda s: s.start)
            out("DBMT001", msg, later.start, later.end, related=[(ctx.path, earlier.start, earlier.end, "the other one")])


def _enum_typed(ctx: Ctx, col: n.Column) -> bool:
    t = col.type
    return t is not None and not t.array and t.args is None and ctx.enum(t.qname) is not None


@rule("DBMT001")
def dbml_structure(ctx: Ctx) -> None:
    """Settings lists and element shapes that DBML rejects."""
    out = _Out(ctx)
    projects = []
    for el in ctx.elements:
        k = el.kind
        if k in ("table", "partial"):
            _table(ctx, out, el)
        elif k == "enum":
            for ev in el.values:
                check_settings(ctx, out, ev.settings, ENUM_VALUE, "enum value", custom=False)
            if not el.values and el.name is not None:
                out("DBMT001", f"Enum '{el.name.text}' must have at least one value", el.name.start, el.name.end)
            for note in el.notes:
                out("DBMT001", "a Note cannot appear inside an Enum: DBML allows Notes in a Table, TablePartial, "
                    "TableGroup or Project (give a value a note with [note: '…'])", note.start, note.end)
        elif k == "group":
            check_settings(ctx, out, el.settings, GROUP, "TableGroup", custom=True)
            if el.name is not None and len(el.name.parts) > 1:
                out("DBMT001", f"a TableGroup name must be a single identifier, not '{el.name.text}'",
                    el.name.start, el.name.end)
            _second_notes(out, el, "TableGroup")
            seen: dict[str, n.QualifiedName] = {}
            for qn in el.tables:
                key = qkey(qn)
                if key in seen:
                    out("DBMT001", f"table '{display(key)}' is listed twice in this TableGroup", qn.start, qn.end,
                        related=[(ctx.path, seen[key].start, seen[key].end, "first listed here")])
                else:
                    seen[key] = qn
        elif k == "ref":
            _ref(ctx, out, el)
        elif k == "note":
            check_settings(ctx, out, el.settings, STICKY, "Note", custom=True)
        elif k == "project":
            projects.append(el)
    if projects:
        # The other Projects of the file may be in other units: the file's Projects are signed.
        ctx.depend(f"projects:{ctx.path}")
        first = next(el for el in ctx.parsed.elements if el.kind == "project")
        for p in projects:
            if p is first:
                continue
            at = p.name or p
            out("DBMT001", "only one Project can exist in a file", at.start, at.end,
                related=[(ctx.path, (first.name or first).start, (first.name or first).end, "the first Project")])


def _second_notes(out: _Out, el: n.Element, word: str) -> None:
    for note in el.notes[1:]:
        out("DBMT001", f"a second Note in this {word}: DBML allows one", note.start, note.end)


def _table(ctx: Ctx, out: _Out, t: n.Table) -> None:
    partial = t.kind == "partial"
    word = "TablePartial" if partial else "Table"
    check_settings(ctx, out, t.settings, PARTIAL if partial else TABLE, word, custom=not partial)
    for col in t.columns:
        check_settings(ctx, out, col.settings, COLUMN, "column", custom=True,
                       bare_variant_ok=takes_bare_variant(ctx, col))
    for idx in t.indexes:
        check_settings(ctx, out, idx.settings, INDEX, "index", custom=False)
    for chk in t.checks:
        check_settings(ctx, out, chk.settings, CHECK, "check", custom=False)
    _second_notes(out, t, word)
    seen: dict[str, n.Name] = {}
    for inj in t.injections:
        if inj.text in seen:
            out("DBMT001", f"TablePartial '{inj.text}' is injected twice in this table", inj.start, inj.end,
                related=[(ctx.path, seen[inj.text].start, seen[inj.text].end, "first injected here")])
        else:
            seen[inj.text] = inj
    if partial:
        # A bare `ref: > col` in a partial names the partial's own column.
        for col in t.columns:
            for s in col.settings:
                if s.key == "ref" and s.ref is not None:
                    tg = s.ref.target
                    if tg.table is None and len(tg.columns) == 1 and tg.columns[0].text == col.name.text:
                        out("DBMT001", f"the two endpoints of this reference are the same column '{col.name.text}'",
                            s.start, s.end)
        return
    d = ctx.def_of(t)
    if d is None:
        return
    cols = ctx.columns(d)
    # A table with marks may get its columns from them (`%events_for`, `%extension`): not ours.
    if not cols and t.name is not None and not t.marks and all(ctx.named("partial", i.text) is not None for i in t.injections):
        out("DBMT001", f"Table '{t.name.text}' must have at least one column", t.name.start, t.name.end)
    # References whose two endpoints are one column, among the table's own columns. As in
    # @dbml/parse 10.2, a reference a column gets through `~partial` injection is not
    # compared (the partial's own bare self-references are, above).
    for col in t.columns:
        for s in col.settings:
            if s.key != "ref" or s.ref is None:
                continue
            tg = s.ref.target
            if len(tg.columns) != 1 or tg.columns[0].text != col.name.text:
                continue
            if tg.table is not None and ctx.table(tg.table) is not d:
                continue
            out("DBMT001", f"the two endpoints of this reference are the same column '{display(d.key)}.{col.name.text}'",
                s.start, s.end)


def _ref(ctx: Ctx, out: _Out, r: n.Ref) -> None:
    if r.settings:
        out("DBMT001", "a Ref cannot have a settings list in its header: put the settings after the relationship",
            r.settings[0].start, r.settings[-1].end)
    for rel in r.relationships[1:]:
        out("DBMT001", "a Ref can contain only one relationship: write one Ref per relationship", rel.start, rel.end)
    for rel in r.relationships:
        check_settings(ctx, out, rel.settings, RELATIONSHIP, "relationship", custom=False)
        nl, nr = len(rel.left.columns), len(rel.right.columns)
        if nl != nr:
            out("DBMT001", f"the two endpoints have different numbers of columns ({nl} and {nr})", rel.start, rel.end)
            continue
        if rel.left.table is None or rel.right.table is None:
            continue
        ld, rd = ctx.table(rel.left.table), ctx.table(rel.right.table)
        if ld is not None and ld is rd and sorted(c.text for c in rel.left.columns) == sorted(c.text for c in rel.right.columns):
            cols = ", ".join(c.text for c in rel.left.columns)
            out("DBMT001", f"the two endpoints of this relationship are the same column(s) '{display(ld.key)}.{cols}'",
                rel.start, rel.end)


# ---------------------------------------------------------------------------------------
# DBMT105: one relationship defined twice

RELATIONSHIPS = ("dbml.relationships",)


def _relationships(ctx: Ctx):
    """Every top-level relationship and every inline `ref:` of a table's own columns, kept per
    file; slice = the endpoint pair ((table ref, columns), (table ref, columns)), items (path,
    start, end, shown)."""
    return refresh(ctx, RELATIONSHIPS, _relationships_of_file(ctx))


def _relationships_of_file(ctx: Ctx):
    def part(path: str, fm, add) -> None:
        def resolve(qn: n.QualifiedName, deps: set):
            found, got = ctx.resolve_from(path, "table", qkey(qn))
            deps |= got
            return found[0] if found else None

        def pair(left, right, start, end, shown, deps):
            if left == right:
                return  # two endpoints the same: DBMT001
            pk = (left, right) if left < right else (right, left)
            add(pk, (path, start, end, shown), deps)

        defs = {id(d.element): d for d in fm.defs}
        for el in fm.parsed.elements:
            if el.kind == "ref":
                if len(el.relationships) != 1:
                    continue
                for rel in el.relationships:
                    if rel.left.table is None or rel.right.table is None or len(rel.left.columns) != len(rel.right.columns):
                        continue
                    deps: set[str] = set()
                    ld, rd = resolve(rel.left.table, deps), resolve(rel.right.table, deps)
                    if ld is None or rd is None:
                        add(None, None, deps)  # unresolved: recompute when the name appears
                        continue
                    left = (ld.ref, tuple(sorted(c.text for c in rel.left.columns)))
                    right = (rd.ref, tuple(sorted(c.text for c in rel.right.columns)))
                    shown = (f"{display(ld.key)}.{_cols(rel.left.columns)} {rel.op} "
                             f"{display(rd.key)}.{_cols(rel.right.columns)}")
                    pair(left, right, rel.start, rel.end, shown, deps)
            elif el.kind == "table":
                d = defs.get(id(el))
                if d is None:
                    continue
                for col in el.columns:
                    for s in col.settings:
                        if s.key != "ref" or s.ref is None:
                            continue
                        tg = s.ref.target
                        deps = set()
                        td = d if tg.table is None else resolve(tg.table, deps)
                        if td is None:
                            add(None, None, deps)
                            continue
                        left = (d.ref, (col.name.text,))
                        right = (td.ref, tuple(sorted(c.text for c in tg.columns)))
                        shown = f"{display(d.key)}.{col.name.text} {s.ref.op} {display(td.key)}.{_cols(tg.columns)}"
                        pair(left, right, s.start, s.end, shown, deps)

    return part


def _cols(cols: list[n.Name]) -> str:
    return cols[0].text if len(cols) == 1 else "(" + ", ".join(c.text for c in cols) + ")"


def _relationship_slice(entries: list) -> tuple[list, dict[str, list[tuple[int, int]]]]:
    """The entries of one endpoint pair, and per file their (offset, index) pairs sorted."""
    offsets: dict[str, list[tuple[int, int]]] = {}
    for i, e in enumerate(entries):
        offsets.setdefault(e[0], []).append((e[1], i))
    for lst in offsets.values():
        lst.sort()
    return entries, offsets


@rule("DBMT105")
def duplicate_relationships(ctx: Ctx) -> None:
    """Two relationships between the same columns (either direction, inline or top-level).
    Another relationship between two tables either names one of them in a Ref or sits in one
    of them: a reader depends on both tables and on the Refs that mention them."""
    facts = _relationships(ctx)
    out = _Out(ctx)
    part = facts.parts.get(ctx.path)
    for pk in (part.slices_between(lambda e: e[1], ctx.start, ctx.end) if part is not None else ()):
        # One list per endpoint pair for the whole run (its dependencies replayed into each
        # unit), with each file's offsets sorted: a unit finds its own entries by bisection,
        # so 20,000 Refs on one column (20,000 units) stay linear.
        entries, offsets = ctx.memo(("DBMT105", pk), lambda: _relationship_slice(facts.items(ctx, pk)))
        own = offsets.get(ctx.path, ())
        lo = bisect_left(own, (ctx.start, -1))
        hi = bisect_left(own, (ctx.end, -1))
        mine = [entries[i] for _, i in own[lo:hi]]
        if not mine:
            continue
        for end in pk:
            d = ctx.index.definition(end[0])
            if d is not None:
                depend_on_mentions(ctx, "refmention", d)
        if len(entries) < 2:
            continue
        # Per entry only the first places are listed (Ctx.report caps them), and the files named
        # in the message come from counts per file: 20,000 Refs on one column stay linear.
        counts_key = ("DBMT105.counts", pk, len(entries))
        got = ctx.cache.get(counts_key)
        if got is None:
            got = ctx.cache[counts_key] = ({path: len(lst) for path, lst in offsets.items()},
                                           {id(o) for o in entries[:RELATED_LIMIT + 1]})
        per_file, head = got
        for e in mine:
            # The message's files: the same for every entry of one file, worked out once a run.
            where_key = ("DBMT105.where", pk, e[0], len(entries))
            where = ctx.cache.get(where_key)
            if where is None:
                where = ctx.cache[where_key] = ctx.places((p, 0) for p, c in per_file.items() if c - (p == e[0]) > 0)

            def listed(e=e):
                others = [o for o in islice((o for o in entries if o is not e), RELATED_LIMIT + 1)]
                return capped(Sized([(o[0], o[1], o[2], f"relationship {o[3]} is also defined here") for o in others],
                                    len(entries) - 1))

            if id(e) in head:
                related = listed()
            else:
                # Not among the places listed: the same list as every other such relationship
                # between these endpoints, built once per check run and shared.
                key = ("DBMT105.related", pk, len(entries))
                related = ctx.cache.get(key)
                if related is None:
                    related = ctx.cache[key] = listed()
            out("DBMT105", f"relationship {e[3]} is defined more than once, with the same endpoints (also {where})",
                e[1], e[2], related=related)

