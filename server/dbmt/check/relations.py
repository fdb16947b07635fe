"""§4 Relations: `%relation` tables and their `%relation_source` column (DBMT201–204).

A column *references a table* when it carries an inline `ref:` (any operator) or takes part in a
top-level `Ref` (in any file of the workspace) whose other endpoint is in another table. A
reference from the relation table to itself does not count (it relates nothing).
"""

from __future__ import annotations

from ..syntax import nodes as n
from ..workspace.index import Definition, qkey
from .context import Ctx, display
from .facts import refresh
from .marks import valid_marks
from .registry import rule


TOP_LEVEL_REFS = ("relations.top_level_refs",)


def top_level_refs(ctx: Ctx, d: Definition) -> list[tuple]:
    """The top-level `Ref` relationships of the workspace that touch table `d`:
    [(own endpoint, other endpoint, other table def or None, ref file path, relationship)],
    endpoints resolved from the Ref's own file. A reader depends on the Refs that name its
    table (`refmention:<name>`) and on the names they resolved."""
    facts = refresh(ctx, TOP_LEVEL_REFS, _refs_of_file(ctx))
    depend_on_mentions(ctx, "refmention", d)
    # Parts name other files' tables by `Definition.ref`: read them as they are now.
    return [(own, other, ctx.index.definition(other_ref) if other_ref else None, path, rel)
            for own, other, other_ref, path, rel in facts.items(ctx, d.ref)]


def _refs_of_file(ctx: Ctx):
    def part(path: str, fm, add) -> None:
        def resolve(ep: n.Endpoint) -> tuple[Definition | None, set[str]]:
            if ep.table is None:
                return None, set()
            found, deps = ctx.resolve_from(path, "table", qkey(ep.table))
            return (found[0] if found else None), deps

        for el in fm.parsed.elements:
            if el.kind != "ref":
                continue
            for rel in el.relationships:
                (ld, ldeps), (rd, rdeps) = resolve(rel.left), resolve(rel.right)
                deps = ldeps | rdeps
                if ld is not None:
                    add(ld.ref, (rel.left, rel.right, rd.ref if rd else None, path, rel), deps)
                if rd is not None:
                    add(rd.ref, (rel.right, rel.left, ld.ref if ld else None, path, rel), deps)
                if ld is None or rd is None:
                    add(None, None, deps)  # unresolved: recompute when the name appears

    return part


def depend_on_mentions(ctx: Ctx, prefix: str, d: Definition) -> None:
    """Depend on the elements elsewhere that may name table `d` (a Ref, a TableGroup): they are
    signed by the last part of the name they use (`refmention:users`), so a reader depends on
    every name `d` goes by (its own, its alias, the names `use … as` gives it anywhere)."""
    ctx.depend(f"table:{d.key}")
    names = set()
    if d.element.name is not None:
        names.add(d.element.name.last.text)
    if getattr(d.element, "alias", None) is not None:
        names.add(d.element.alias.text)
    ctx.depend("aliases:*")
    for name in list(names):
        names |= ctx.index.import_aliases("table", name)
    for name in names:
        ctx.depend(f"{prefix}:{name}")


def _scan_top_level_refs(ctx: Ctx, attribute) -> dict[tuple[str, int], list[tuple]]:
    out: dict[tuple[str, int], list[tuple]] = {}

    def resolve(path: str, ep: n.Endpoint) -> tuple[Definition | None, set[str]]:
        if ep.table is None:
            return None, set()
        found, deps = ctx.resolve_from(path, "table", qkey(ep.table))
        return (found[0] if found else None), deps

    for path, fm in ctx.index.files.items():
        for el in fm.parsed.elements:
            if el.kind != "ref":
                continue
            for rel in el.relationships:
                (ld, ldeps), (rd, rdeps) = resolve(path, rel.left), resolve(path, rel.right)
                deps = ldeps | rdeps
                if ld is not None:
                    sid = (ld.path, ld.element.start)
                    out.setdefault(sid, []).append((rel.left, rel.right, rd, path, rel))
                    attribute(sid, deps)
                if rd is not None:
                    sid = (rd.path, rd.element.start)
                    out.setdefault(sid, []).append((rel.right, rel.left, ld, path, rel))
                    attribute(sid, deps)
    return out


def _is_self(ctx: Ctx, d: Definition, target: n.QualifiedName | None) -> bool:
    if target is None:
        return True
    t = ctx.table(target)
    return t is not None and t.element is d.element


def referencing_columns(ctx: Ctx, d: Definition) -> dict[tuple[str, ...], list[tuple]]:
    """Column groups of table `d` that reference another table.

    (column names) → [(path, start, end, description)] of the places that make the reference.
    Inline refs of declared, injected and generated columns; top-level Refs across the workspace.
    """
    out: dict[tuple[str, ...], list[tuple]] = {}
    for c in ctx.columns(d):
        here = c.injected_from is None and c.generated_from is None
        s = c.setting("ref")
        if s is not None and s.ref is not None:
            if c.injected_from is not None and s.ref.target.table is None:
                continue  # `ref: > id` in a partial: relative to the table, a self-reference
            if here and _is_self(ctx, d, s.ref.target.table):
                continue
            if not here and s.ref.target.table is not None:
                t = ctx.table(s.ref.target.table)
                if t is not None and t.element is d.element:
                    continue
            place = (ctx.path, s.start, s.end, f"'{c.name.text}' references a table here") if here else \
                (ctx.path, d.name_node.start, d.name_node.end, f"'{c.name.text}' references a table")
            out.setdefault((c.name.text,), []).append(place)
        elif c.generated_from is not None and c.name.text.startswith("opt_to_"):
            # %extension generates opt_to_<v>_id columns that reference the variants' tables.
            mk = c.generated_from
            out.setdefault((c.name.text,), []).append(
                (ctx.path, mk.start, mk.end, f"generated '{c.name.text}' references a table"))
    for own, other, other_def, rpath, rel in top_level_refs(ctx, d):
        if other_def is not None and other_def.element is d.element:
            continue
        cols = tuple(c.text for c in own.columns)
        if cols:
            out.setdefault(cols, []).append((rpath, rel.start, rel.end, "top-level Ref"))
    return out


@rule("DBMT201", "DBMT202", "DBMT203", "DBMT204")
def relations(ctx: Ctx) -> None:
    if ctx.fm.is_dbml:
        return  # marks in .dbml files are DBMT110 and mean nothing else
    for d in ctx.defs:
        if d.kind != "table":
            continue
        t: n.Table = d.element
        rel_marks = valid_marks(t, "relation")
        sources = [(c, mk) for c in t.columns for mk in c.marks if mk.name == "relation_source"]
        if not rel_marks:
            for c, mk in sources:
                ctx.report("DBMT202", f"'%relation_source' on column '{c.name.text}' of table '{display(d.key)}', "
                           f"which is not a '%relation' table", mk.start, mk.end,
                           data={"table": display(d.key), "column": c.name.text})
            continue
        refs = referencing_columns(ctx, d)
        if len(refs) < 2:
            mk = rel_marks[0]
            have = ", ".join("(" + ", ".join(k) + ")" if len(k) > 1 else k[0] for k in refs) or "none"
            ctx.report("DBMT201", f"'%relation' table '{display(d.key)}' has {len(refs)} column"
                       f"{'' if len(refs) == 1 else 's'} referencing a table (needs at least 2; found: {have})",
                       mk.start, mk.end,
                       related=[r for places in refs.values() for r in places[:1]],
                       data={"table": display(d.key), "count": len(refs)})
        first = sources[0] if sources else None
        for c, mk in sources[1:]:
            ctx.report("DBMT203", f"table '{display(d.key)}' has a second '%relation_source' (on '{c.name.text}'; "
                       f"the first is on '{first[0].name.text}')", mk.start, mk.end,
                       related=[(ctx.path, first[1].start, first[1].end, f"first '%relation_source', on '{first[0].name.text}'")],
                       data={"table": display(d.key), "column": c.name.text})
        for c, mk in sources:
            if not any(c.name.text in k for k in refs):
                ctx.report("DBMT204", f"'%relation_source' column '{c.name.text}' references no table "
                           f"(add `ref: > Table.column` or a top-level Ref)", mk.start, mk.end,
                           related=[(ctx.path, c.name.start, c.name.end, f"column '{c.name.text}'")],
                           data={"table": display(d.key), "column": c.name.text})


def relation_ends(ctx: Ctx, d: Definition) -> tuple[list[str], list[str]] | None:
    """(source table keys, sink table keys) of a `%relation` table, for hover; None otherwise."""
    t = d.element
    if not valid_marks(t, "relation"):
        return None
    src_cols = {c.name.text for c in t.columns for mk in c.marks if mk.name == "relation_source"}
    sources, sinks = [], []
    for c in ctx.columns(d):
        s = c.setting("ref")
        if s is None or s.ref is None or s.ref.target.table is None:
            continue
        td = ctx.table(s.ref.target.table)
        k = td.key if td else qkey(s.ref.target.table)
        (sources if c.name.text in src_cols else sinks).append(k)
    for own, other, other_def, _p, _r in top_level_refs(ctx, d):
        if other.table is None or (other_def is not None and other_def.element is t):
            continue
        k = other_def.key if other_def else qkey(other.table)
        (sources if any(c.text in src_cols for c in own.columns) else sinks).append(k)
    return sources, sinks
