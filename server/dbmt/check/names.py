"""Name resolution across files: unknown tables, columns, enums, variants, partials (DBMT101–104,
DBMT109), duplicate definitions (DBMT105) and `use` of missing files or names (DBMT111)."""

from __future__ import annotations

import copy
from collections import Counter
from itertools import chain, islice

from ..suggest import close_matches
from ..syntax import nodes as n
from ..workspace.index import Definition, imported, qkey
from .context import COLUMN_PROVIDERS, RELATED_LIMIT, Ctx, Sized, capped, display
from .registry import rule


def injected_columns(ctx: Ctx, d) -> list[n.Column]:
    """Columns a table gets from `~partial` lines; the table's own columns win (DBML's rule)."""
    el = d.element
    if not el.injections:
        return []
    own = {c.name.text for c in el.columns}
    out: list[n.Column] = []
    for inj in el.injections:
        p = ctx.named("partial", inj.text)
        if p is None:
            continue
        for c in p.element.columns:
            if c.name.text in own or any(o.name.text == c.name.text for o in out):
                continue
            cc = copy.copy(c)
            cc.injected_from = inj.text
            out.append(cc)
    return out


COLUMN_PROVIDERS.append(injected_columns)


def _tables_of_file(ctx: Ctx):
    for d in ctx.defs:
        if d.kind in ("table", "partial"):
            yield d


def check_endpoint(ctx: Ctx, ep: n.Endpoint, own_table=None):
    """Resolve `table.col` / `table.(a, b)`; report DBMT101/102. Returns (table def, columns)."""
    if ep.table is None:
        d = own_table
    else:
        d = ctx.table(ep.table)
        if d is None:
            key = qkey(ep.table)
            ctx.report("DBMT101", f"unknown table '{display(key)}'{ctx.suggest('table', key)}",
                       ep.table.start, ep.table.end, data={"name": display(key), "kind": "table"})
            return None, []
    if d is None:
        return None, []
    cols = []
    for cname in ep.columns:
        c = ctx.column(d, cname.text)
        if c is None:
            names = [c.name.text for c in ctx.columns(d)]
            close = close_matches(cname.text, names, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            ctx.report("DBMT102", f"table '{display(d.key)}' has no column '{cname.text}'{hint}",
                       cname.start, cname.end, related=[(d.path, d.name_node.start, d.name_node.end, f"table '{display(d.key)}' is defined here")],
                       data={"table": display(d.key), "column": cname.text})
        cols.append(c)
    return d, cols


@rule("DBMT101", "DBMT102", "DBMT109")
def references(ctx: Ctx) -> None:
    """Every table and column a file names exists where the file can see it."""
    for d in _tables_of_file(ctx):
        t = d.element
        for inj in t.injections:
            if ctx.named("partial", inj.text) is None:
                ctx.report("DBMT109", f"unknown TablePartial '{inj.text}'{ctx.suggest('partial', inj.text)}",
                           inj.start, inj.end, data={"name": inj.text, "kind": "partial"})
        for col in t.columns:
            for s in col.settings:
                if s.key == "ref" and s.ref is not None:
                    check_endpoint(ctx, s.ref.target, own_table=d)
        names = None
        for idx in t.indexes:
            for cname in idx.columns:
                if names is None:
                    names = {c.name.text for c in ctx.columns(d)}
                if cname.text not in names:
                    ctx.report("DBMT102", f"index names column '{cname.text}', which table '{display(d.key)}' does not have",
                               cname.start, cname.end, data={"table": display(d.key), "column": cname.text})
    for el in ctx.elements:
        if el.kind == "ref":
            for rel in el.relationships:
                check_endpoint(ctx, rel.left)
                check_endpoint(ctx, rel.right)
        elif el.kind == "group":
            for qn in el.tables:
                if ctx.table(qn) is None:
                    key = qkey(qn)
                    ctx.report("DBMT101", f"TableGroup '{el.name.text if el.name else ''}' lists unknown table '{display(key)}'{ctx.suggest('table', key)}",
                               qn.start, qn.end, data={"name": display(key), "kind": "table"})
        elif el.kind == "records" and el.records is not None and el.records.table is not None:
            d = ctx.table(el.records.table)
            if d is None:
                key = qkey(el.records.table)
                ctx.report("DBMT101", f"unknown table '{display(key)}'{ctx.suggest('table', key)}",
                           el.records.table.start, el.records.table.end, data={"name": display(key), "kind": "table"})
            else:
                for cname in el.records.columns:
                    if ctx.column(d, cname.text) is None:
                        ctx.report("DBMT102", f"table '{display(d.key)}' has no column '{cname.text}'",
                                   cname.start, cname.end, data={"table": display(d.key), "column": cname.text})


DUP_WORDS = {"table": "table", "enum": "enum", "group": "TableGroup", "partial": "TablePartial", "note": "sticky note"}


@rule("DBMT105")
def duplicates(ctx: Ctx) -> None:
    """A name defined twice where one file sees both; columns, variants twice in one element."""
    ctx.depend("nouse:*")
    # The definitions of one name are gathered once per name, not once per definition: a file
    # defining one name k times gets k diagnostics, each naming at most RELATED_LIMIT places, in
    # time linear in k (not k squared).
    mine: dict[tuple[str, str], list[Definition]] = {}
    for d in ctx.defs:
        if getattr(d.element, "generated_for", None) is not None:
            continue  # generated events tables: name clashes are DBMT501 (events rules)
        mine.setdefault((d.kind, d.key), []).append(d)
    for (kind, key), defs in mine.items():
        seen, seen_ids, paths, by_path, listed_ids = ctx.memo(("duplicates", ctx.path, kind, key),
                                                              lambda: _same_name(ctx, kind, key))
        word = DUP_WORDS[kind]
        for d in defs:
            others = _Others(d, seen, id(d) in seen_ids, [os_ for vis, os_ in by_path if id(d) in vis])
            if not others:
                continue
            if others.extra:
                where = _where(ctx, paths, d.path, others.extra)
            else:
                # The same for every definition of the name in d's file: worked out once.
                where_key = ("duplicates.where", ctx.path, kind, key, d.path)
                where = ctx.cache.get(where_key)
                if where is None:
                    where = ctx.cache[where_key] = _where(ctx, paths, d.path, ())
            message = f"{word} '{display(d.key)}' is also defined here"
            if others.extra or id(d) in listed_ids:
                related = capped(others.related(message))
            else:
                # Not among the first places listed: the same places as every other such
                # definition of the name, built once per file and check run and shared (k
                # definitions of one name held k lists of RELATED_LIMIT places each).
                shared_key = ("duplicates.related", ctx.path, kind, key, others.count)
                related = ctx.cache.get(shared_key)
                if related is None:
                    related = ctx.cache[shared_key] = capped(others.related(message))
            ctx.report("DBMT105", f"{word} '{display(d.key)}' is defined more than once (also {where})",
                       d.name_node.start, d.name_node.end, related=related,
                       data={"kind": d.kind, "name": display(d.key)})
    for el in ctx.elements:
        if el.kind in ("table", "partial"):
            _dup_members(ctx, el, [c.name for c in el.columns], "column", f"table '{el.name.text if el.name else ''}'")
        elif el.kind == "enum":
            _dup_members(ctx, el, [v.name for v in el.values], "variant", f"enum '{el.name.text if el.name else ''}'")


def _same_name(ctx: Ctx, kind: str, key: str):
    """The definitions of one name that this file's definitions of it clash with, once per file
    and check run (a file of k units defining one name asks k times)."""
    idx = ctx.index
    seen = ctx.lookup(kind, key)
    if idx.no_use_files and not ctx.fm.is_dbml:
        # A .dbmt file without `use` lines sees every definition. (A definition in a .dbml
        # file clashes only where DBML's own meaning sees both: DBML-accepted input never
        # fails the check, §10.)
        seen = idx.defs[kind].get(key, [])
        by_path: list[tuple[set[int], list[Definition]]] = []
    else:
        # Definitions elsewhere that do not see this file's but whose files see it: grouped
        # by their file (what a file sees is the same for all of this file's definitions).
        known = {id(o) for o in seen}
        extra: dict[str, list[Definition]] = {}
        for o in idx.defs[kind].get(key, []):
            if ctx.fm.is_dbml and o.path in idx.no_use_files:
                continue  # that file's multi-team view is not DBML's meaning
            if id(o) not in known:
                extra.setdefault(o.path, []).append(o)
        by_path = []
        for path, os_ in extra.items():
            ctx.depend(f"scope:{path}")
            by_path.append(({id(v) for v in idx.visible(path, kind, key)}, os_))
    seen = [o for o in seen if getattr(o.element, "generated_for", None) is None]
    seen_ids = {id(o) for o in seen}
    paths = Counter(o.path for o in seen)
    # The definitions among the places a diagnostic lists (its related places are its own).
    listed_ids = {id(o) for o in islice(seen, RELATED_LIMIT + 1)}
    return seen, seen_ids, paths, by_path, listed_ids


def _where(ctx: Ctx, paths: Counter, own: str, extra) -> str:
    """The files of the other definitions, for the message: those seen (`paths`, by file) but
    one in `own`, and those elsewhere that see it."""
    here = Counter(paths)
    here[own] -= 1
    for os_ in extra:
        here[os_[0].path] += len(os_)
    return ctx.places((p, 0) for p, k in here.items() if k > 0)


class _Others:
    """The other definitions of d's name: those seen from d's file but d, then those elsewhere
    that see d. Counted without being listed; `related` lists the first RELATED_LIMIT + 1."""

    def __init__(self, d: Definition, seen: list[Definition], d_seen: bool, extra: list[list[Definition]]):
        self.d, self.seen, self.extra = d, seen, extra
        self.count = len(seen) - d_seen + sum(map(len, extra))

    def __bool__(self) -> bool:
        return self.count > 0

    def related(self, message: str) -> Sized:
        """The first RELATED_LIMIT + 1 places (what Ctx.report shows of them) and their number."""
        d = self.d
        places = chain((o for o in self.seen if o is not d), *self.extra)
        return Sized([(o.path, o.name_node.start, o.name_node.end, message) for o in islice(places, RELATED_LIMIT + 1)],
                     self.count)


def _dup_members(ctx: Ctx, el, names: list[n.Name], word: str, owner: str) -> None:
    seen: dict[str, n.Name] = {}
    for nm in names:
        first = seen.get(nm.text)
        if first is None:
            seen[nm.text] = nm
            continue
        ctx.report("DBMT105", f"{word} '{nm.text}' is declared twice in {owner}", nm.start, nm.end,
                   related=[(ctx.path, first.start, first.end, f"first declaration of '{nm.text}'")],
                   data={"kind": word, "name": nm.text})
        ctx.report("DBMT105", f"{word} '{nm.text}' is declared twice in {owner}", first.start, first.end,
                   related=[(ctx.path, nm.start, nm.end, f"second declaration of '{nm.text}'")],
                   data={"kind": word, "name": nm.text})



@rule("DBMT111")
def imports(ctx: Ctx) -> None:
    """Every `use` names an existing file, and every imported name exists there."""
    mine = {id(el) for el in ctx.elements}
    for imp in ctx.fm.imports:
        u = imp.use
        if id(u) not in mine:
            continue
        if imp.target is None:
            if imp.spec is None or imp.spec is u.specifiers[0]:
                ctx.report("DBMT111", f"'{u.path.text}' names no .dbmt or .dbml file",
                           u.path.start, u.path.end, data={"path": u.path.text})
            continue
        ctx.depend(f"exports:{imp.target}")
        if imp.target not in ctx.index.files:
            # Never claim a file lacks a name when its names are not known.
            if imp.spec is None or imp.spec is u.specifiers[0]:
                why = ctx.index.unreadable.get(imp.target)
                shown = ctx.places([(imp.target, 0)]).removeprefix("in ")
                ctx.report("DBMT111", f"'{u.path.text}' names {shown}, which " +
                           (f"cannot be read ({why})" if why else "is not part of the loaded workspace"),
                           u.path.start, u.path.end, data={"path": u.path.text})
            continue
        if imp.kind is None:
            continue
        if not imported(imp, ctx.index.exports(imp.target)):
            word = {"table": "table", "enum": "enum", "group": "TableGroup", "partial": "TablePartial", "note": "note",
                    "schema": "table or enum in schema"}[imp.kind]
            ctx.report("DBMT111", f"'{u.path.text}' defines no {word} '{display(imp.key)}'",
                       imp.spec.qname.start, imp.spec.qname.end, data={"path": u.path.text, "name": display(imp.key)})
