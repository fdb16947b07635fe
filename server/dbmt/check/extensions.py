"""Extension tables (§6): completeness of extension enums across the workspace (DBMT301/302),
the shape of extension tables (DBMT311/313/314), the columns `%extension E` generates
(DBMT310, and a COLUMN_PROVIDERS entry so every consumer sees them), and the analysis of an
enum's constraint marks (DBMT304–309, DBMT312, and DBMT315 / DBMT901 when the analysis stops short).

Workspace-wide facts (who claims which variant, who supports which enum) are computed once per
check run and kept in `ctx.cache`; every rule that reads them registers `claims:<enum>` /
`supporters:<enum>` dependencies so that an edit in another file re-checks this one.
"""

from __future__ import annotations

import functools
import re

from ..suggest import close_matches
from ..syntax import nodes as n
from ..workspace.index import Definition
from .context import COLUMN_PROVIDERS, Ctx, _key_of_text, display
from .facts import refresh
from .marks import ALL_EXTS, CONSTRAINT_MARKS, valid_marks
from .registry import rule
from .relations import top_level_refs

try:  # the exact analysis lives in its own module
    from .constraints import ConstraintMark, analyze
except ImportError:  # pragma: no cover - only while constraints.py is being written
    ConstraintMark = None
    analyze = None

TRIGGERS = ("init", "write", "read")
MARK_KIND = {
    "extension_exclusive": "exclusive",
    "extension_requires": "requires",
    "extensions_incompatible": "incompatible",
    "extensions_compatible": "compatible",
    "extensions_required": "required",
}


# -- names ------------------------------------------------------------------------------------
_ACRONYM = re.compile(r"([A-Z]+)([A-Z][a-z])")
_HUMP = re.compile(r"([a-z0-9])([A-Z])")
_OTHER = re.compile(r"[^0-9A-Za-z]+")


# One word, a capital at most at its start (`Shoe`, `V12`, `gloves`): the three substitutions
# below leave it as it is but for the case.
_ONE_WORD = re.compile(r"[A-Za-z][a-z0-9]*")


@functools.lru_cache(maxsize=16384)
def snake(name: str) -> str:
    """`SkeeingExt` → `skeeing_ext`, `LEDShoes` → `led_shoes`, `Ext2Go` → `ext2_go`. (Asked twice
    per variant of every extension enum, by the columns and by their checks: remembered. An
    enum of more variants than the memo holds misses it every time: one word is lowered
    without the three substitutions.)"""
    if _ONE_WORD.fullmatch(name):
        return name.lower()
    s = _ACRONYM.sub(r"\1_\2", name)
    s = _HUMP.sub(r"\1_\2", s)
    s = _OTHER.sub("_", s)
    return s.strip("_").lower()


def generated_name(variant: str) -> str:
    return f"opt_to_{snake(variant)}_id"


EXT_COLUMN = "ext"


# -- workspace facts ----------------------------------------------------------------------------
class Claim:
    __slots__ = ("table", "mark", "variant")

    def __init__(self, table: Definition, mark: n.Mark, variant: str):
        self.table = table
        self.mark = mark
        self.variant = variant


FACTS = ("ext:facts",)


def _facts(ctx: Ctx):
    """Who claims and who supports which enum, kept per file; slice (the enum's ref) holds
    ("claim", Claim) and ("support", (table def, mark)) items. A claim `%extension_enum E.V` or
    a support `%extension E` names the enum as its own file sees it (imports and aliases
    included)."""
    return refresh(ctx, FACTS, _facts_of_file(ctx))


def _facts_of_file(ctx: Ctx):
    def part(path: str, fm, add) -> None:
        if fm.is_dbml:
            return
        by_el = {id(d.element): d for d in fm.defs if d.kind == "table"}
        for el in fm.parsed.elements:
            if el.kind != "table":
                continue
            d = by_el.get(id(el))
            if d is None:
                continue
            for mk in valid_marks(el, "extension_enum")[:1]:  # a second claim is DBMT108
                enum_text, variant = mk.args[0].text.rsplit(".", 1)
                found, deps = ctx.resolve_from(path, "enum", _key_of_text(enum_text))
                if not found:
                    add(None, None, deps)  # unresolved: recompute when the name appears
                    continue
                e = found[0]
                ok = ctx.has_variant(e.element, variant)
                add(_enum_slice(e), ("claim", Claim(d, mk, variant)) if ok else None, deps)
            for mk in valid_marks(el, "extension"):
                found, deps = ctx.resolve_from(path, "enum", _key_of_text(mk.args[0].text))
                add(_enum_slice(found[0]) if found else None, ("support", (d, mk)) if found else None, deps)

    return part


def _enum_slice(e: Definition) -> tuple:
    return e.ref


def _enum_facts(ctx: Ctx, e: Definition) -> list[tuple[str, object]]:
    """A reader of one enum's facts depends on the claims and supports naming it (signed by the
    name they use, import aliases resolved: index.FileModel) and on how they resolved. Memoised
    per check run: every extension table of the enum asks (a 5,000-variant enum has 5,000)."""
    def compute():
        ctx.depend(f"claims:{e.key}")
        ctx.depend(f"supporters:{e.key}")
        ctx.depend(f"enum:{e.key}")
        ctx.depend("aliases:*")
        for alias in ctx.index.import_aliases("enum", e.element.name.last.text if e.element.name else ""):
            ctx.depend(f"claims:public.{alias}")
            ctx.depend(f"supporters:public.{alias}")
        return _facts(ctx).items(ctx, _enum_slice(e))

    return ctx.memo(("ext:facts-of", e.path, e.element.start, e.key), compute)


def claims_of(ctx: Ctx, e: Definition) -> dict[str, list[Claim]]:
    """variant → the tables claiming it, anywhere in the workspace (memoised per check run; do not
    change the answer)."""
    def compute():
        out: dict[str, list[Claim]] = {}
        for kind, item in _enum_facts(ctx, e):
            if kind == "claim":
                out.setdefault(item.variant, []).append(item)
        return out

    return ctx.memo(("ext:claims-of", e.path, e.element.start, e.key), compute)


def supporters_of(ctx: Ctx, e: Definition) -> list[tuple[Definition, n.Mark]]:
    """The tables with `%extension E`, anywhere in the workspace (memoised per check run)."""
    return ctx.memo(("ext:supporters-of", e.path, e.element.start, e.key),
                    lambda: [item for kind, item in _enum_facts(ctx, e) if kind == "support"])


def extension_table(ctx: Ctx, e: Definition, variant: str) -> Definition | None:
    """The one table claiming `E.variant` (the first in workspace order when claimed twice)."""
    cl = claims_of(ctx, e).get(variant)
    return cl[0].table if cl else None


def is_extension_enum(ctx: Ctx, e: Definition) -> bool:
    if any(mk.name in CONSTRAINT_MARKS for mk in e.element.marks):
        return True
    return bool(_enum_facts(ctx, e))


def single_pk(ctx: Ctx, d: Definition) -> n.Column | None:
    """The table's primary-key column when its primary key is exactly one column, else None."""
    from .names import injected_columns  # not ctx.columns: generated columns need this very answer
    cols = list(d.element.columns) + injected_columns(ctx, d)
    pk_cols = [c for c in cols if c.is_pk]
    pk_indexes = [ix for ix in d.element.indexes if any(s.key in ("pk", "primary key") for s in ix.settings)]
    if len(pk_cols) == 1 and not pk_indexes:
        return pk_cols[0]
    if not pk_cols and len(pk_indexes) == 1:
        ix = pk_indexes[0]
        if len(ix.columns) == 1 and not ix.expressions:
            for c in cols:
                if c.name.text == ix.columns[0].text:
                    return c
    return None


def _claim_of_table(ctx: Ctx, el: n.Table) -> tuple[n.Mark, Definition, str] | None:
    """(mark, enum, variant) when this table is an extension table of a known enum variant."""
    for mk in valid_marks(el, "extension_enum")[:1]:
        enum_text, variant = mk.args[0].text.rsplit(".", 1)
        e = ctx.enum(enum_text)
        if e is not None and ctx.has_variant(e.element, variant):
            return mk, e, variant
    return None


def _table_defs(ctx: Ctx):
    by_el = {id(d.element): d for d in ctx.defs if d.kind == "table"}
    for el in ctx.elements:
        if el.kind == "table" and id(el) in by_el:
            yield by_el[id(el)]


# -- generated columns -------------------------------------------------------------------------
def _qn(parts: list[str], start: int, end: int) -> n.QualifiedName:
    return n.QualifiedName([n.Name(p, start, end) for p in parts])


def _type_like(t: n.TypeRef | None, start: int, end: int) -> n.TypeRef | None:
    if t is None:
        return None
    return n.TypeRef(_qn([p.text for p in t.qname.parts], start, end), t.args, t.array, t.text, start, end)


def generated_columns(ctx: Ctx, d: Definition) -> list[n.Column]:
    """`%extension E` on a table: `opt_to_<snake(V)>_id` per variant (nullable, referencing V's
    extension table's primary key), then `ext E`. Declared columns of the same name win (the
    collision itself is DBMT310)."""
    el = d.element
    if el.kind != "table":
        return []
    fm = ctx.index.files.get(d.path)
    if fm is None or fm.is_dbml:
        return []
    out: list[n.Column] = []
    declared = {c.name.text for c in el.columns}
    made: set[str] = set()  # names of `out` (a set: an enum may have thousands of variants)
    for mk in valid_marks(el, "extension"):
        arg = mk.args[0]
        found = ctx.index.visible(d.path, "enum", _key_of_text(arg.text))
        ctx.depend(f"enum:{_key_of_text(arg.text)}")
        if not found:
            continue
        e = found[0]
        s, t = mk.start, mk.end
        for v in e.element.values:
            name = generated_name(v.name.text)
            if name in declared or name in made:
                continue
            target = extension_table(ctx, e, v.name.text)
            settings = [n.Setting("null", s, t, s, t)]
            type_ = None
            if target is not None:
                ctx.depend(f"table:{target.key}")
                pk = single_pk(ctx, target)
                if pk is not None:
                    type_ = _type_like(pk.type, s, t)
                    schema, tname = target.key.split(".", 1)
                    tparts = [tname] if schema == "public" else [schema, tname]
                    ep = n.Endpoint(_qn(tparts, s, t), [n.Name(pk.name.text, s, t)], s, t)
                    settings.append(n.Setting("ref", s, t, s, t, ref=n.InlineRef(">", ep, s, t)))
            col = n.Column(n.Name(name, s, t), type_, settings, [], s, t)
            col.generated_from = mk
            if target is not None:
                ctx.cache[("ext:target", id(col))] = target
            out.append(col)
            made.add(name)
        if EXT_COLUMN not in declared and EXT_COLUMN not in made:
            col = n.Column(n.Name(EXT_COLUMN, s, t),
                           n.TypeRef(_qn(arg.text.split("."), s, t), None, 0, arg.text, s, t), [], [], s, t)
            col.generated_from = mk
            out.append(col)
            made.add(EXT_COLUMN)
    return out


def generated_target(ctx: Ctx, col: n.Column) -> Definition | None:
    """The extension table a generated `opt_to_…_id` column references, whether or not the
    supporting file imports it (go-to-definition, hover)."""
    return ctx.cache.get(("ext:target", id(col)))


COLUMN_PROVIDERS.append(generated_columns)


# -- rules: tables ------------------------------------------------------------------------------
@rule("DBMT301", "DBMT302")
def completeness(ctx: Ctx) -> None:
    """Every variant of an extension enum has exactly one extension table, workspace-wide."""
    if ctx.fm.is_dbml:
        return
    # DBMT301: on the variants of this file's extension enums.
    for d in ctx.defs:
        if d.kind != "enum" or not is_extension_enum(ctx, d):
            continue
        cl = claims_of(ctx, d)
        for v in d.element.values:
            if v.name.text == ALL_EXTS:
                continue  # DBMT312
            if not cl.get(v.name.text):
                ctx.report("DBMT301", f"variant '{display(d.key)}.{v.name.text}' has no extension table "
                           f"(add a table with '%extension_enum {display(d.key)}.{v.name.text}')",
                           v.name.start, v.name.end,
                           data={"enum": display(d.key), "variant": v.name.text})
    # DBMT302: on each of this file's tables claiming a variant someone else claims too.
    for d in _table_defs(ctx):
        got = _claim_of_table(ctx, d.element)
        if got is None:
            continue
        mk, e, variant = got
        claims = claims_of(ctx, e).get(variant, [])
        others = [c for c in claims if c.table is not d]
        if not others:
            continue
        where = ", ".join(f"'{display(c.table.key)}'" for c in others)
        ctx.report("DBMT302", f"variant '{display(e.key)}.{variant}' is claimed by more than one table "
                   f"('{display(d.key)}' and {where})", mk.start, mk.end,
                   related=[(c.table.path, c.mark.start, c.mark.end, f"also claimed by table '{display(c.table.key)}'")
                            for c in others],
                   data={"enum": display(e.key), "variant": variant})


@rule("DBMT314", "DBMT311")
def extension_table_shape(ctx: Ctx) -> None:
    """An extension table has a single-column primary key and knows nothing of its base."""
    if ctx.fm.is_dbml:
        return
    for d in _table_defs(ctx):
        got = _claim_of_table(ctx, d.element)
        if got is None:
            continue
        mk, e, variant = got
        name = d.element.name
        if single_pk(ctx, d) is None:
            ctx.report("DBMT314", f"extension table '{display(d.key)}' (for '{display(e.key)}.{variant}') needs a "
                       f"single-column primary key", name.start, name.end,
                       related=[(ctx.path, mk.start, mk.end, "extension table because of this mark")],
                       data={"table": display(d.key)})
        sup = {id(sd.element): (sd, smk) for sd, smk in supporters_of(ctx, e)}
        if not sup:
            continue

        def supporter(qn):
            t = ctx.table(qn)
            return sup.get(id(t.element)) if t is not None else None

        for col in d.element.columns:
            for s in col.settings:
                if s.key == "ref" and s.ref is not None and s.ref.target.table is not None:
                    hit = supporter(s.ref.target.table)
                    if hit:
                        _report_311(ctx, d, e, s.ref.start, s.ref.end, hit)
        # Top-level Refs of this file that join the table to a supporter.
        for _own, other, other_def, rpath, rel in top_level_refs(ctx, d):
            if rpath != ctx.path or other.table is None or other_def is None:
                continue
            hit = sup.get(id(other_def.element))
            if hit:
                _report_311(ctx, d, e, rel.start, rel.end, hit)


def _report_311(ctx, d, e, start, end, hit):
    sd, smk = hit
    ctx.report("DBMT311", f"extension table '{display(d.key)}' references '{display(sd.key)}', which supports "
               f"'{display(e.key)}': an extension knows nothing of its base", start, end,
               related=[(sd.path, smk.start, smk.end, f"'{display(sd.key)}' supports '{display(e.key)}' here")],
               data={"table": display(d.key), "base": display(sd.key)})


@rule("DBMT313", "DBMT107")
def extension_validate(ctx: Ctx) -> None:
    """`%extension_validate` triggers are init, write, read; the mark needs `%extension`."""
    if ctx.fm.is_dbml:
        return
    for el in ctx.elements:
        if el.kind != "table":
            continue
        marks = valid_marks(el, "extension_validate")
        if marks and not any(m.name == "extension" for m in el.marks):
            for mk in marks:
                ctx.report("DBMT107", "mark '%extension_validate' belongs in a Table with '%extension', "
                           f"and table '{el.name.text if el.name else ''}' has none", mk.start, mk.name_end,
                           data={"mark": "extension_validate"})
        for mk in marks:
            for a in mk.args:
                if a.text not in TRIGGERS:
                    close = close_matches(a.text, TRIGGERS, n=1, cutoff=0.6)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    ctx.report("DBMT313", f"unknown %extension_validate trigger '{a.text}' (expected init, write or read){hint}",
                               a.start, a.end, data={"trigger": a.text, "suggestion": close[0] if close else None})


@rule("DBMT310")
def generated_collisions(ctx: Ctx) -> None:
    """A declared column must not take a name `%extension` generates."""
    if ctx.fm.is_dbml:
        return
    for d in _table_defs(ctx):
        el = d.element
        for mk in valid_marks(el, "extension"):
            e = ctx.enum(mk.args[0].text)
            if e is None:
                continue
            names = [generated_name(v.name.text) for v in e.element.values] + [EXT_COLUMN]
            for c in el.columns:
                if c.name.text in names:
                    ctx.report("DBMT310", f"column '{c.name.text}' of table '{display(d.key)}' collides with the "
                               f"column '%extension {mk.args[0].text}' generates", c.name.start, c.name.end,
                               related=[(ctx.path, mk.start, mk.end, f"'%extension {mk.args[0].text}' generates '{c.name.text}'")],
                               data={"table": display(d.key), "column": c.name.text})


# -- constraint analysis ------------------------------------------------------------------------
class EnumAnalysis:
    """An extension enum's constraint marks and their exact analysis."""

    __slots__ = ("enum", "variants", "position", "marks", "nodes", "result", "limit", "limit_mark")

    def __init__(self, enum, variants, marks, nodes, result, limit, limit_mark):
        self.enum = enum            # Definition
        self.variants = variants    # list[str], declaration order
        self.position: dict[str, int] = {}
        for i, v in enumerate(variants):
            self.position.setdefault(v, i)
        self.marks = marks          # list[ConstraintMark]
        self.nodes = nodes          # list[n.Mark], parallel to marks
        self.result = result        # ConstraintAnalysis or None (constraints module missing)
        self.limit = limit
        self.limit_mark = limit_mark

    @property
    def count(self):
        return self.result.count if self.result is not None else None


def _mark_duplicates(mk: n.Mark) -> list[n.MarkArg]:
    seen, dups = set(), []
    for a in mk.args:
        if a.text in seen:
            dups.append(a)
        seen.add(a.text)
    return dups


def enum_analysis(ctx: Ctx, e: Definition) -> EnumAnalysis:
    """The analysis of an enum's constraint marks, memoised for the check run (hover reads it)."""
    key = ("ext:analysis", e.path, e.element.start, e.key)
    got = ctx.cache.get(key)
    if got is not None:
        return got
    el = e.element
    variants = [v.name.text for v in el.values]
    names = set(variants)
    marks, nodes_ = [], []
    order = sorted((mk for name in CONSTRAINT_MARKS for mk in valid_marks(el, name)), key=lambda m: m.start)
    for mk in order:
        args = [a.text for a in mk.args]
        if any(a != ALL_EXTS and a not in names for a in args):
            continue  # DBMT104
        if _mark_duplicates(mk):
            continue  # DBMT312
        if ConstraintMark is not None:
            marks.append(ConstraintMark(MARK_KIND[mk.name], tuple(args)))
            nodes_.append(mk)
    limit, limit_mark = ctx.config.extension_limit, None
    lm = valid_marks(el, "extension_limit")
    if lm:
        try:
            limit, limit_mark = int(lm[0].args[0].text), lm[0]
        except ValueError:
            pass
    result = None
    if analyze is not None and variants:
        try:
            # The budget counts work, so every machine gives the same answer; the deadline is the
            # language server's safety net only (None on the command line).
            result = analyze(variants, marks, budget=ctx.config.analysis_budget,
                             deadline_s=ctx.config.analysis_deadline_s, want_count=True)
        except ValueError:  # only on unknown variants or kinds, which are filtered out above
            result = None
    got = EnumAnalysis(e, variants, marks, nodes_, result, limit, limit_mark)
    ctx.cache[key] = got
    return got


def _rel(ctx: Ctx, a: EnumAnalysis, i: int, msg: str | None = None):
    mk = a.nodes[i]
    text = ctx.index.files[a.enum.path].parsed.text[mk.start:mk.end].strip() if a.enum.path in ctx.index.files else f"%{mk.name}"
    return (a.enum.path, mk.start, mk.end, msg or text)


# What the analysis was doing when it stopped short, and what is therefore not reported.
_STOPPED = {
    "requires cycles": ("building its requires graph", "no finding about its constraints is reported"),
    "satisfiability": ("checking that a legal combination exists", "no finding about its constraints is reported"),
    "conflict": ("looking for the conflicting marks", "DBMT305 does not name them"),
    "dead variants": ("looking for dead variants", "dead variants (DBMT306), forbidden compatible lists "
                      "(DBMT307) and the count of legal combinations (DBMT309) are not reported"),
    "compatible lists": ("checking its compatible lists", "forbidden compatible lists (DBMT307) and the count "
                         "of legal combinations (DBMT309) are not reported"),
    "count": ("counting its legal combinations", "the count is unknown, so DBMT309 is not checked"),
}


def _report_stopped(ctx: Ctx, d: Definition, r, name) -> None:
    doing, missing = _STOPPED[r.stopped_in]
    data = {"enum": display(d.key), "phase": r.stopped_in, "work": r.work}
    if r.stopped == "budget":
        data["budget"] = r.budget
        ctx.report("DBMT315", f"the constraint analysis of enum '{display(d.key)}' used up its work budget of "
                   f"{r.budget:,} steps (analysis-budget) while {doing}: {missing}",
                   name.start, name.end, data=data)
    else:
        data["deadline_s"] = ctx.config.analysis_deadline_s
        ctx.report("DBMT901", f"the constraint analysis of enum '{display(d.key)}' was cut short by the language "
                   f"server's time limit ({ctx.config.analysis_deadline_s:g} s) while {doing}: {missing}; "
                   f"'dbmt-lsp --check' runs it without a time limit", name.start, name.end, data=data)


@rule("DBMT304", "DBMT305", "DBMT306", "DBMT307", "DBMT309", "DBMT312", "DBMT315", "DBMT901")
def constraints(ctx: Ctx) -> None:
    """The constraint marks of this file's extension enums."""
    if ctx.fm.is_dbml:
        return
    for d in ctx.defs:
        if d.kind != "enum":
            continue
        el = d.element
        has_constraints = any(mk.name in CONSTRAINT_MARKS for mk in el.marks)
        if not has_constraints and not is_extension_enum(ctx, d):
            continue
        # DBMT312
        for v in el.values:
            if v.name.text == ALL_EXTS:
                ctx.report("DBMT312", f"'{ALL_EXTS}' cannot be a variant of extension enum '{display(d.key)}': "
                           f"it stands for all variants in constraint marks", v.name.start, v.name.end,
                           data={"enum": display(d.key), "variant": ALL_EXTS})
        for mk in el.marks:
            if mk.name in CONSTRAINT_MARKS:
                for a in _mark_duplicates(mk):
                    ctx.report("DBMT312", f"'{a.text}' is listed twice in '%{mk.name}'", a.start, a.end,
                               data={"mark": mk.name, "variant": a.text})
        a = enum_analysis(ctx, d)
        r = a.result
        if r is None:
            continue
        name = el.name.last
        # DBMT304
        for cyc, path in zip(r.requires_cycles, r.cycle_paths):
            if not cyc:
                continue
            # Stand on the cycle's earliest mark, and start the path there.
            k = min(range(len(cyc)), key=lambda j: cyc[j])
            path = list(path)
            if len(path) == len(cyc) + 1 and path[0] == path[-1]:
                path = path[k:-1] + path[:k] + [path[k]]
            first = a.nodes[cyc[k]]
            ctx.report("DBMT304", f"circular %extension_requires: {' → '.join(path)}", first.start, first.end,
                       related=[_rel(ctx, a, i) for i in cyc], data={"enum": display(d.key), "cycle": list(path)})
        if r.stopped is not None:
            _report_stopped(ctx, d, r, name)
        if r.satisfiable is False:
            named = ("; these marks conflict: " + "; ".join(f"%{a.nodes[i].name} {' '.join(x.text for x in a.nodes[i].args)}"
                                                             for i in r.conflict)) if r.conflict else ""
            ctx.report("DBMT305", f"the constraints of enum '{display(d.key)}' admit no legal combination{named}",
                       name.start, name.end, related=[_rel(ctx, a, i) for i in r.conflict],
                       data={"enum": display(d.key)})
            continue
        if r.satisfiable is None:
            continue
        # DBMT306
        for v in el.values:
            why = r.dead.get(v.name.text)
            if why is None:
                continue
            ctx.report("DBMT306", f"variant '{v.name.text}' of enum '{display(d.key)}' is in no legal combination",
                       v.name.start, v.name.end, related=[_rel(ctx, a, i) for i in why],
                       data={"enum": display(d.key), "variant": v.name.text})
        # DBMT307
        for i, why in sorted(r.forbidden_compatible.items()):
            mk = a.nodes[i]
            ctx.report("DBMT307", f"'%extensions_compatible {' '.join(x.text for x in mk.args)}' whitelists a "
                       f"combination that other marks forbid", mk.start, mk.end,
                       related=[_rel(ctx, a, j) for j in why], data={"enum": display(d.key)})
        # DBMT309
        if r.count is not None and r.count > a.limit:
            where = (f"%extension_limit {a.limit}" if a.limit_mark is not None
                     else f"the configured extension-limit {a.limit}")
            rel = [(ctx.path, a.limit_mark.start, a.limit_mark.end, "the limit")] if a.limit_mark is not None else []
            ctx.report("DBMT309", f"enum '{display(d.key)}' admits {r.count} legal combinations, more than {where}",
                       name.start, name.end, related=rel,
                       data={"enum": display(d.key), "count": str(r.count), "limit": a.limit})


@rule("DBMT308")
def contract_conflicts(ctx: Ctx) -> None:
    """Two variants that can occur together must not declare one column name with two types
    (primary keys excepted). Reported on the column of the later variant's table (declaration
    order), in its file, with the earlier variant's column as related information."""
    if ctx.fm.is_dbml:
        return
    for d in _table_defs(ctx):
        got = _claim_of_table(ctx, d.element)
        if got is None:
            continue
        mk, e, variant = got
        cl = claims_of(ctx, e)
        mine = cl.get(variant, [])
        if not mine or mine[0].table is not d:
            continue  # a second claim is DBMT302; its contract is not checked
        a = enum_analysis(ctx, e)
        r = a.result
        if r is None or r.satisfiable is not True:
            continue
        ctx.depend(f"enum:{e.key}")
        # The primary key is the extension row's own identity (reached through the supporter's
        # opt_to_<v>_id), not a field of the combined contract: it is not compared.
        my_cols = {c.name.text: c for c in ctx.columns(d) if c.generated_from is None and not c.is_pk}
        # Only the earlier variants that can occur with this one: under one big exclusive mark, none.
        mine_at = a.position[variant]
        for w in r.co_occurring(variant):
            if a.position[w] >= mine_at:
                break
            other = cl.get(w)
            if not other:
                continue
            od = other[0].table
            ctx.depend(f"table:{od.key}")
            for oc in ctx.columns(od):
                if oc.generated_from is not None or oc.is_pk:
                    continue
                c = my_cols.get(oc.name.text)
                if c is None or _norm_type(c) == _norm_type(oc):
                    continue
                ctx.report("DBMT308", f"extensions '{w}' and '{variant}' of '{display(e.key)}' can occur together, but "
                           f"column '{c.name.text}' is '{oc.type_text}' in '{display(od.key)}' and '{c.type_text}' in "
                           f"'{display(d.key)}'", c.name.start, c.name.end,
                           related=[(od.path, oc.name.start, oc.name.end, f"'{oc.name.text} {oc.type_text}' in '{display(od.key)}'")],
                           data={"enum": display(e.key), "variants": [w, variant], "column": c.name.text})


def _norm_type(c: n.Column) -> str:
    return re.sub(r"\s+", "", c.type_text).lower()


__all__ = ["snake", "generated_name", "generated_columns", "generated_target", "enum_analysis", "EnumAnalysis",
           "extension_table", "claims_of", "supporters_of", "is_extension_enum", "single_pk"]
