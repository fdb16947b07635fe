"""§7 Events: `%events_clone` / `%events_for`, the generated events tables, the event DAG
(DBMT501–504), and the built-in enum `EventAction`.

The model: `events_tables(ctx)` gives every events table of the workspace (key `schema.Name`, in
the base table's schema) with its columns: `id` (the base's primary-key type, pk),
`<snake(singular T)>_id` referencing the base's primary key, every other column of the base as
`ctx.columns` sees it (declared, injected, generated) without pk/unique/increment, `action
EventAction`, then the columns of the `%events_for T` tables (a declared column replaces a
generated one of the same name). A `%events_for` table also gets the generated columns through
`ctx.columns` (a column provider), so `ref: > ShoeEvents.shoe_id` resolves.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from ..syntax import nodes as n
from ..workspace.index import Definition, events_table_name, qkey, table_key
from .context import COLUMN_PROVIDERS, Ctx, display
from .facts import refresh
from .marks import valid_marks
from .registry import rule

EVENT_ACTIONS = ("insert", "update", "delete", "seek", "delegate")
BUILTIN_ENUMS = {"EventAction": EVENT_ACTIONS}
DROPPED_SETTINGS = {"pk", "primary key", "unique", "increment"}


def singular(name: str) -> str:
    """Drop one trailing `s` unless the name ends in `ss`: `Shoes`→`Shoe`, `Address`→`Address`."""
    if name.endswith("s") and not name.endswith("ss"):
        return name[:-1]
    return name


def snake(name: str) -> str:
    """`SkeeingExt`→`skeeing_ext`, `LEDShoes`→`led_shoes`, `ShoeMCU`→`shoe_mcu`."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    s = re.sub(r"[^0-9A-Za-z]+", "_", s)
    return s.strip("_").lower()


def default_events_name(table_name: str) -> str:
    return events_table_name(table_name)


@dataclass(eq=False)
class EventsTable:
    key: str                     # `schema.Name`
    name: str
    base: Definition             # the %events_clone table
    mark: n.Mark                 # its %events_clone mark
    columns: list[n.Column] = field(default_factory=list)
    for_tables: list[Definition] = field(default_factory=list)  # %events_for tables named `name`

    def column(self, name: str) -> n.Column | None:
        for c in self.columns:
            if c.name.text == name:
                return c
        return None


# -- the model, read per table ---------------------------------------------------------------
# Nothing here scans the workspace: a generated events table is a definition in the index (key
# `schema.Name`, at its `%events_clone` mark), so "who generates K" and "who is declared K" are
# both `index.defs["table"][K]`, and a reader depends on `table:K` alone.

def clone_mark(d: Definition):
    """(mark, events name, events key) of a table's `%events_clone`, or None. Reads only `d`."""
    if d.path.endswith(".dbml") or d.element.name is None or getattr(d.element, "generated_for", None) is not None:
        return None
    for mk in valid_marks(d.element, "events_clone")[:1]:
        name = mk.args[0].text if mk.args else default_events_name(d.element.name.last.text)
        schema = n.schema_and_name(d.element.name)[0]
        return mk, name, table_key(schema, name)
    return None


def _clone_of(ctx: Ctx, base: Definition):
    if base.path != ctx.path:
        ctx.depend(f"table:{base.key}")
    return clone_mark(base)


def for_base(ctx: Ctx, d: Definition):
    """(mark, base table def or None) of a table's `%events_for`, resolved from its own file;
    None when it has no such mark."""
    if d.path.endswith(".dbml") or getattr(d.element, "generated_for", None) is not None:
        return None
    for mk in valid_marks(d.element, "events_for")[:1]:
        parts = mk.args[0].text.split(".")
        key = table_key(parts[-2], parts[-1]) if len(parts) >= 2 else table_key("public", parts[0])
        if d.path == ctx.path:
            found = ctx.lookup("table", key)
        else:
            found, deps = ctx.resolve_from(d.path, "table", key)
            ctx.deps.update(deps)
        found = [t for t in found if getattr(t.element, "generated_for", None) is None]
        return mk, (found[0] if found else None)
    return None


def generators(ctx: Ctx, key: str) -> list[tuple[Definition, n.Mark]]:
    """(base table, its `%events_clone`) for every table whose events table is `key`, in
    workspace order (the first one wins; the others are DBMT501). Computed once per check run
    (every unit of a file of many same-named tables asks)."""
    return ctx.memo(("events-generators", key), lambda: _generators(ctx, key))


def _generators(ctx: Ctx, key: str) -> list[tuple[Definition, n.Mark]]:
    ctx.depend(f"table:{key}")
    out = []
    for g in ctx.index.defs["table"].get(key, []):
        base_el = getattr(g.element, "generated_for", None)
        if base_el is None:
            continue
        fm = ctx.index.files.get(g.path)
        base = fm.definition_of(base_el) if fm is not None else None
        cm = clone_mark(base) if base is not None else None
        if cm is not None and cm[2] == key:
            out.append((base, cm[0]))
    return out


def _pk_columns(ctx: Ctx, d: Definition) -> list[n.Column]:
    cols = ctx.columns(d)
    pks = [c for c in cols if c.is_pk]
    if pks:
        return pks
    for idx in d.element.indexes:
        if any(s.key in ("pk", "primary key") for s in idx.settings) and not idx.expressions:
            names = [c.text for c in idx.columns]
            return [c for c in cols if c.name.text in names]
    return []


def _type(text: str, at: int) -> n.TypeRef:
    return n.TypeRef(n.QualifiedName([n.Name(text, at, at)]), None, 0, text, at, at)


def _synth(name: str, type_text: str, mk: n.Mark, settings=()) -> n.Column:
    c = n.Column(n.Name(name, mk.start, mk.end), _type(type_text, mk.start), list(settings), [], mk.start, mk.end)
    c.generated_from = mk
    return c


def generated_columns(ctx: Ctx, base: Definition) -> list[n.Column]:
    """The columns `%events_clone` generates for base table `base` (its events table's own
    columns, before any `%events_for` table adds to them). [] if base has no `%events_clone`."""
    info = _clone_of(ctx, base)
    if info is None:
        return []
    mk, _name, _key = info
    building = ctx.cache.setdefault(("events.building",), set())
    ident = (base.path, base.element.start)
    if ident in building:
        return []  # a base whose columns depend on its own events table: break the loop

    def compute():
        building.add(ident)
        try:
            if base.path != ctx.path:
                ctx.depend(f"table:{base.key}")
            pks = _pk_columns(ctx, base)
            pk = pks[0] if len(pks) == 1 else None
            pk_type = pk.type_text if pk is not None and pk.type is not None else "int"
            out = [_synth("id", pk_type, mk, [n.Setting("pk", mk.start, mk.end, mk.start, mk.end)])]
            tname = base.element.name.last.text
            ref_settings = []
            if pk is not None:
                ep = n.Endpoint(base.element.name, [n.Name(pk.name.text, mk.start, mk.end)], mk.start, mk.end)
                ref_settings.append(n.Setting("ref", mk.start, mk.end, mk.start, mk.end,
                                              ref=n.InlineRef(">", ep, mk.start, mk.end)))
            out.append(_synth(f"{snake(singular(tname))}_id", pk_type, mk, ref_settings))
            taken = {c.name.text for c in out} | {"action"}
            for c in ctx.columns(base):
                if (pk is not None and c is pk) or c.name.text in taken:
                    continue
                cc = copy.copy(c)
                cc.settings = [s for s in c.settings if s.key not in DROPPED_SETTINGS]
                if cc.generated_from is None:
                    cc.generated_from = mk
                taken.add(c.name.text)
                out.append(cc)
            out.append(_synth("action", "EventAction", mk))
            return out
        finally:
            building.discard(ident)

    return ctx.memo(("events.generated", base.path, base.element.start), compute)


def events_table(ctx: Ctx, key: str) -> EventsTable | None:
    """The events table `key`: the first `%events_clone` generating it, with the columns of the
    `%events_for` tables declared under that name for that base."""
    def compute():
        gens = generators(ctx, key)
        if not gens:
            return None
        base, mk = gens[0]
        cm = clone_mark(base)
        et = EventsTable(key, cm[1], base, mk, list(generated_columns(ctx, base)))
        for d in ctx.index.defs["table"].get(key, []):
            fb = for_base(ctx, d)
            if fb is None or fb[1] is None or fb[1].element is not base.element:
                continue
            et.for_tables.append(d)
            for c in d.element.columns:
                for i, g in enumerate(et.columns):
                    if g.name.text == c.name.text:
                        et.columns[i] = c
                        break
                else:
                    et.columns.append(c)
        return et

    return ctx.memo(("events.table", key), compute)


def events_tables(ctx: Ctx) -> dict[str, EventsTable]:
    """Every events table of the workspace (the event DAG's nodes)."""
    out = {}
    for key, defs in ctx.index.defs["table"].items():
        if any(getattr(d.element, "generated_for", None) is not None for d in defs):
            et = events_table(ctx, key)
            if et is not None:
                out[key] = et
    return out


def events_provider(ctx: Ctx, d: Definition) -> list[n.Column]:
    """Column provider: the generated events table (a Definition the index makes at the
    `%events_clone` mark) has the EventsTable's columns; an `%events_for T` table named as T's
    events table gets the generated columns it does not declare."""
    base_el = getattr(d.element, "generated_for", None)
    if base_el is not None:
        et = events_table(ctx, d.key)
        if et is not None and et.base.element is base_el:
            return list(et.columns)
        return []
    fb = for_base(ctx, d)
    if fb is None or fb[1] is None:
        return []
    info = _clone_of(ctx, fb[1])
    if info is None or info[2] != d.key:
        return []
    own = {c.name.text for c in d.element.columns}
    return [c for c in generated_columns(ctx, fb[1]) if c.name.text not in own]


COLUMN_PROVIDERS.append(events_provider)


# -- rules --------------------------------------------------------------------------------

@rule("DBMT501", "DBMT502", "DBMT101")
def events_names(ctx: Ctx) -> None:
    if ctx.fm.is_dbml:
        return
    own = [d for d in ctx.defs if d.kind == "table" and getattr(d.element, "generated_for", None) is None]
    for d in own:
        fb = for_base(ctx, d)
        if fb is None:
            continue
        mk, base = fb
        a = mk.args[0]
        if base is None:
            key = qkey(n.QualifiedName([n.Name(p, a.start, a.end) for p in a.text.split(".")]))
            ctx.report("DBMT101", f"unknown table '{display(key)}'{ctx.suggest('table', key)}", a.start, a.end,
                       data={"name": display(key), "kind": "table"})
            continue
        info = _clone_of(ctx, base)
        if info is None:
            ctx.report("DBMT502", f"'%events_for {a.text}': table '{display(base.key)}' has no '%events_clone' "
                       f"(add '%events_clone' to it)", a.start, a.end,
                       related=[(base.path, base.name_node.start, base.name_node.end, f"table '{display(base.key)}'")],
                       data={"base": display(base.key)})
            continue
        cmk, name, key = info
        if d.key != key:
            ctx.report("DBMT501", f"table '{display(d.key)}' is '%events_for {a.text}', so it must be named "
                       f"'{display(key)}' (the events table of '{display(base.key)}')",
                       d.name_node.start, d.name_node.end,
                       related=[(base.path, cmk.start, cmk.end, f"'{display(base.key)}' declares events table '{display(key)}' here")],
                       data={"expected": display(key), "name": display(d.key)})
    # Collisions of generated names with declared tables or with each other, on this file's side.
    for d in own:
        cm = clone_mark(d)
        if cm is not None:
            mk, _name, key = cm
            same = generators(ctx, key)
            declared = _declared_colliding(ctx, key, same)
            others = [(b, m) for b, m in same if b.element is not d.element]
            if declared or others:
                what = (f"table '{display(key)}' is already declared" if declared
                        else f"'{display(others[0][0].key)}' generates it too")
                ctx.report("DBMT501", f"events table name '{display(key)}' of '{display(d.key)}' collides: {what}",
                           mk.start, mk.end,
                           related=[(t.path, t.name_node.start, t.name_node.end, f"table '{display(key)}'") for t in declared]
                           + [(b.path, m.start, m.end, f"'{display(b.key)}' generates '{display(key)}'") for b, m in others],
                           data={"name": display(key)})
        same = generators(ctx, d.key)
        if same and d in _declared_colliding(ctx, d.key, same):
            ctx.report("DBMT501", f"table '{display(d.key)}' collides with the events table that "
                       f"'{display(same[0][0].key)}' generates (mark it '%events_for {display(same[0][0].key)}' "
                       f"to add columns to it)", d.name_node.start, d.name_node.end,
                       related=[(b.path, m.start, m.end, f"'%events_clone' of '{display(b.key)}'") for b, m in same],
                       data={"name": display(d.key)})


def _declared_colliding(ctx: Ctx, key: str, same: list[tuple[Definition, n.Mark]]) -> list[Definition]:
    """Declared tables named `key`, except `%events_for` tables of one of its generators."""
    out = []
    for t in ctx.index.defs["table"].get(key, []):
        if getattr(t.element, "generated_for", None) is not None:
            continue
        fb = for_base(ctx, t)
        if fb is not None and fb[1] is not None and any(fb[1].element is b.element for b, _m in same):
            continue
        out.append(t)
    return out


EDGES = ("events.edges",)


def _edges_of_file(ctx: Ctx):
    """Event DAG edges a file contributes: (from key, to key, path, start, end) for each
    reference from a column of one of its `%events_for` tables to another events table."""
    def part(path: str, fm, add) -> None:
        if fm.is_dbml:
            return
        for fd in fm.defs:
            if fd.kind != "table" or for_base(ctx, fd) is None:
                continue
            et, deps = ctx.collect(lambda: events_table(ctx, fd.key))
            add("edges", None, deps | {f"table:{fd.key}"})
            if et is None or fd not in et.for_tables:
                continue
            for c in fd.element.columns:
                s = c.setting("ref")
                if s is None or s.ref is None or s.ref.target.table is None:
                    continue
                tk = qkey(s.ref.target.table)
                found, deps = ctx.resolve_from(fd.path, "table", tk)
                if found:
                    tk = found[0].key
                target, more = ctx.collect(lambda: events_table(ctx, tk))
                edge = (fd.key, tk, fd.path, s.start, s.end) if target is not None and tk != fd.key else None
                add("edges", edge, deps | more)

    return part


def event_cycles(ctx: Ctx) -> list[list[tuple]]:
    """Cycles of the event DAG, one per strongly connected component: a list of edges. Its
    readers depend on everything the DAG was built from (every file's edges)."""
    edges = refresh(ctx, EDGES, _edges_of_file(ctx)).items(ctx, "edges")
    ctx.depend("events:*")
    got = ctx.cache.get(("events.cycles",))
    if got is None:
        got = ctx.cache[("events.cycles",)] = _cycles(edges)
    return got


def _cycles(edges: list[tuple]) -> list[list[tuple]]:
    """The cycles among `edges`: one per strongly connected component (Tarjan), as the
    shortest path back to its smallest node."""
    adj: dict[str, list[tuple]] = {}
    for e in edges:
        adj.setdefault(e[0], []).append(e)
    # Tarjan's strongly connected components.
    index_of, low, stack, on, comps = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index_of[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for e in adj.get(v, []):
            w = e[1]
            if w not in index_of:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index_of[w])
        if low[v] == index_of[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(comp)

    for v in sorted(adj):
        if v not in index_of:
            strong(v)
    cycles = []
    for comp in comps:
        start = min(comp)
        # Breadth-first search for the shortest path back to start, inside the component.
        prev = {start: None}
        queue = [start]
        found = None
        while queue and found is None:
            nxt = []
            for v in queue:
                for e in adj.get(v, []):
                    if e[1] not in comp:
                        continue
                    if e[1] == start:
                        found = e
                        break
                    if e[1] not in prev:
                        prev[e[1]] = e
                        nxt.append(e[1])
                if found:
                    break
            queue = nxt
        path = [found]
        v = found[0]
        while prev[v] is not None:
            path.append(prev[v])
            v = prev[v][0]
        cycles.append(list(reversed(path)))
    return cycles


@rule("DBMT503")
def events_dag(ctx: Ctx) -> None:
    if ctx.fm.is_dbml:
        return
    if not any(valid_marks(el, "events_for") for el in ctx.elements if el.kind == "table"):
        return  # cycles are reported on the references of `%events_for` tables: none here
    for cycle in event_cycles(ctx):
        shown = " → ".join([display(e[0]) for e in cycle] + [display(cycle[0][0])])
        for e in cycle:
            if not ctx.here(e[2], e[3]):
                continue
            ctx.report("DBMT503", f"event cycle: {shown}", e[3], e[4],
                       related=[(o[2], o[3], o[4], f"{display(o[0])} references {display(o[1])}") for o in cycle if o is not e],
                       data={"cycle": [display(x[0]) for x in cycle]})


@rule("DBMT504")
def event_action(ctx: Ctx) -> None:
    if ctx.fm.is_dbml:
        return  # in plain DBML `EventAction` is an ordinary name
    for d in ctx.defs:
        if d.kind != "enum" or d.key != "public.EventAction":
            continue
        names = [v.name.text for v in d.element.values]
        missing = [v for v in EVENT_ACTIONS if v not in names]
        extra = [v for v in dict.fromkeys(names) if v not in EVENT_ACTIONS]
        if missing or extra:
            parts = ([f"missing {', '.join(missing)}"] if missing else []) + ([f"extra {', '.join(extra)}"] if extra else [])
            ctx.report("DBMT504", f"enum 'EventAction' is built in ({' '.join(EVENT_ACTIONS)}); this definition differs: "
                       + "; ".join(parts), d.name_node.start, d.name_node.end,
                       data={"missing": missing, "extra": extra})
