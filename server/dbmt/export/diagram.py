"""The live diagram's model (version 1 of the `dbmt/diagram` contract in docs/lsp.md): every table
with its columns and kind (table, relation, extension, events), the edges between them (refs,
relation connectors source → sink, extension references, the event DAG), enums, table groups with
their colours and access, DiagramView blocks, files coloured by team; and the filters (files,
folder, group, focus with N hops, view). Built from model.diagram_of (the same reading of the
engine as `--export mermaid|dot`) plus the check facts it needs: relation marks, extension
claims and supporters, group memberships and effective access. Ids are stable strings; every
list is sorted, so the same workspace gives the same JSON everywhere.

`build(ws, cache)` computes the model (engine offsets; with a BuildCache, re-reading only the
tables an edit could change); `materialize` turns offsets into ranges with `span(path, start,
end)` (the LSP's negotiated encoding, or UTF-16 for the CLI), `select_json` selects by a filter,
`share` compares two models (and makes unchanged tables one object) and `delta` says what
changed between two of them."""

from __future__ import annotations

import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ..workspace.index import qkey
from .model import Diagram, DiagramTable, diagram_of

VERSION = 1
# Team and group colours: a qualitative palette (ColorBrewer Set3-like, readable under dark
# text), assigned in sorted order so a team keeps its colour while others come and go.
PALETTE = ("#8dd3c7", "#ffffb3", "#bebada", "#fb8072", "#80b1d3", "#fdb462",
           "#b3de69", "#fccde5", "#d9d9d9", "#bc80bd", "#ccebc5", "#ffed6f")
# Groups are drawn as regions over the team-coloured tables: a darker palette of their own
# (Tableau 10), so a region never takes a team's colour.
GROUP_PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
                 "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
FILTER_KEYS = ("files", "folder", "group", "focus", "view")


class FilterError(ValueError):
    """A filter that names nothing in the workspace, or is malformed; the message says which."""


@dataclass
class Model:
    root: str                                     # absolute path of the workspace root
    files: list[dict] = field(default_factory=list)   # {"path" (absolute), "rel", "team", "color"}
    tables: list[dict] = field(default_factory=list)  # contract fields; "uri"/"range" as ("path", start, end)
    edges: list[dict] = field(default_factory=list)
    enums: list[dict] = field(default_factory=list)
    groups: list[dict] = field(default_factory=list)
    views: list[dict] = field(default_factory=list)
    table_path: dict[str, str] = field(default_factory=dict)  # table id → absolute path of its file


def _rel(root: str, path: str) -> str:
    return os.path.relpath(path, root).replace(os.sep, "/")


def team_of(rel: str) -> str:
    """The team owning a file: its top folder under the root, else the file's stem."""
    parts = PurePosixPath(rel).parts
    return parts[0] if len(parts) > 1 and parts[0] != ".." else PurePosixPath(rel).stem


class BuildCache:
    """What one build leaves for the next (the language server keeps one per root): the tables
    as diagram_of read them (TableParts, valid while nothing they read changed), and the
    workspace generation they are of."""

    __slots__ = ("parts", "generation")

    def __init__(self):
        self.parts: dict = {}
        self.generation: int | None = None


def build(ws, cache: BuildCache | None = None) -> Model:
    from ..check.extensions import is_extension_enum

    changed = None
    if cache is not None:
        changed = ws.changed_since(cache.generation) if cache.generation is not None else None
        if changed is None:
            cache.parts.clear()
    d: Diagram = diagram_of(ws, cache.parts if cache is not None else None, changed)
    if cache is not None:
        cache.generation = ws.generation
    ex = d.expander
    root = str(ws.root)
    m = Model(root)
    rels: dict[str, str] = {}

    def rel_of(path: str) -> str:
        r = rels.get(path)
        if r is None:
            r = rels[path] = _rel(root, path)
        return r

    paths = sorted(ex.index.files, key=rel_of)
    teams = sorted({team_of(rel_of(p)) for p in paths})
    team_color = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(teams)}
    for p in paths:
        rel = rel_of(p)
        m.files.append({"path": p, "rel": rel, "team": team_of(rel), "color": team_color[team_of(rel)]})

    def ent_id(prefix: str, ent) -> str:
        return f"{prefix}:{rel_of(ent.path)}#{ent.key}"

    # Enums first: tables name their family by enum id.
    enum_ids: dict[tuple, str] = {}   # the enum's Definition.ref → enum id
    for ent in ex.entities:
        if ent.kind != "enum" or ent.defn is None:
            continue
        el = ent.defn.element
        eid = ent_id("e", ent)
        k = 2
        while any(e["id"] == eid for e in m.enums):
            eid, k = f"{ent_id('e', ent)}~{k}", k + 1
        enum_ids[ent.defn.ref] = eid
        ctx = ex.ctx(ent.path)
        m.enums.append({"id": eid, "name": _plain_name(ent.out), "uri": ent.path,
                        "range": (ent.path, ent.defn.name_node.start, ent.defn.name_node.end),
                        "values": [v.name.text for v in el.values],
                        "extension": (not ent.path.endswith(".dbml")) and is_extension_enum(ctx, ent.defn)})

    by_name: dict[str, DiagramTable] = {t.name: t for t in d.tables}
    tid: dict[str, str] = {}           # diagram name → table id
    by_entity: dict[int, str] = {}     # id(entity) → table id
    taken: set[str] = set()
    for t in d.tables:
        ent = t.entity
        # A name defined twice in one file (DBMT105), or an events table named like a table of
        # its base's file (DBMT501): the later ones get `~2`, `~3` (entities come in workspace order).
        base = cand = ent_id("t", ent)
        k = 2
        while cand in taken:
            cand, k = f"{base}~{k}", k + 1
        taken.add(cand)
        tid[t.name] = cand
        by_entity[id(ent)] = cand

    gmembers = _groups(ex, m, by_entity)
    table_groups: dict[str, list[str]] = {}
    for gid, members in gmembers.items():
        for x in members:
            table_groups.setdefault(x, []).append(gid)

    for t in d.tables:
        table_id = tid[t.name]
        part = d.parts.get(id(t))
        extra = part.extra if part is not None else None
        if extra is None:
            if part is not None:
                extra, deps = ex.recorded(t.path, lambda: _table_extra(ex, t, enum_ids))
                part.extra = extra
                part.deps = part.deps | deps
            else:
                extra = _table_extra(ex, t, enum_ids)
        groups = tuple(sorted(table_groups.get(table_id, ())))
        key = (table_id, enum_ids.get(extra[6]) if extra[6] is not None else None, groups,
               tuple([c.fk for c in t.columns]))
        if part is not None and part.raw is not None and part.raw_key == key:
            raw = part.raw  # nothing of it changed: the same object (materialize and deltas see that)
        else:
            kind, start, end, access, note, for_cols, _family_el = extra
            ent = t.entity
            path = t.path
            columns = []
            for c in t.columns:
                gen = c.generated
                if not gen and ent.events is not None and c.name not in for_cols:
                    gen = "%events_clone"
                columns.append({"name": c.name, "type": c.type, "pk": c.pk, "fk": c.fk, "unique": c.unique,
                                "notNull": c.not_null, "generated": gen,
                                "range": (path, c.span[0], c.span[1]) if c.span is not None else None})
            raw = {"id": table_id, "name": t.name, "kind": kind, "uri": path, "range": (path, start, end),
                   "groups": list(groups), "access": access, "note": note, "family": key[1],
                   "columns": columns}
            if part is not None:
                part.raw, part.raw_key = raw, key
        m.tables.append(raw)
        m.table_path[table_id] = t.path
    tables_by_id = {t["id"]: t for t in m.tables}

    # Edges: every relationship from the referencing (foreign-key) side to the referenced one.
    events_ids = {tid[t.name] for t in d.tables if t.kind == "events"}
    seen: dict[str, int] = {}

    def add_edge(e: dict) -> None:
        base = e["id"]
        k = seen.get(base, 0) + 1
        seen[base] = k
        if k > 1:
            e["id"] = f"{base}#{k}"
        m.edges.append(e)

    refs_from: dict[str, list[dict]] = {}
    for r in d.relationships:
        if r.op == "<":
            fname, fcols, tname, tcols = r.right, r.right_columns, r.left, r.left_columns
        else:
            fname, fcols, tname, tcols = r.left, r.left_columns, r.right, r.right_columns
        a, b = tid[fname], tid[tname]
        kind = "extension" if r.generated == "%extension" else "event" if a in events_ids and b in events_ids else "ref"
        ft = by_name[fname]
        nullable = not all((c := ft.column(n)) is not None and (c.not_null or c.pk) for n in fcols)
        many_many = r.op == "<>"
        e = {"id": f"{kind}:{a}({','.join(fcols)})>{b}({','.join(tcols)})", "kind": kind,
             "from": {"table": a, "columns": list(fcols)}, "to": {"table": b, "columns": list(tcols)},
             "fromMany": r.op in ("<", ">", "<>"), "toMany": many_many,
             "fromOptional": True, "toOptional": many_many or nullable,
             "label": _variant_label(ft, fcols) if kind == "extension" else None, "via": None}
        add_edge(e)
        refs_from.setdefault(a, []).append(e)

    # Relation connectors: source —Rel→ each sink, drawn between the referenced columns.
    for t in m.tables:
        if t["kind"] != "relation":
            continue
        ent = by_name[t["name"]].entity
        sources = {c.name.text for c in ent.defn.element.columns for mk in c.marks if mk.name == "relation_source"}
        outs = [e for e in refs_from.get(t["id"], []) if e["to"]["table"] != t["id"]]
        src = [e for e in outs if any(c in sources for c in e["from"]["columns"])]
        sinks = [e for e in outs if e not in src]
        for s in src:
            for k in sinks:
                add_edge({"id": f"relation:{t['id']}:{s['to']['table']}>{k['to']['table']}", "kind": "relation",
                          "from": dict(s["to"]), "to": dict(k["to"]),
                          "fromMany": True, "toMany": True, "fromOptional": True, "toOptional": True,
                          "label": t["name"], "via": t["id"]})

    # DiagramView blocks (DBML): Tables, TableGroups and Schemas lists; `*` means everything.
    group_by_name: dict[str, list[str]] = {}
    for grp in m.groups:
        group_by_name.setdefault(grp["name"], []).append(grp["id"])
    for path in paths:
        fm = ex.index.files[path]
        for el in fm.parsed.elements:
            if el.kind != "diagramview" or el.name is None:
                continue
            chosen: set[str] = set()
            for section, names in el.members:
                if section == "tables":
                    if _star(fm.parsed.text, el, section) and not names:
                        chosen.update(tables_by_id)
                    for qn in names:
                        for dd in ex.index.visible(path, "table", qkey(qn)):
                            me = ex.by_element.get(id(dd.element))
                            if me is not None and id(me) in by_entity:
                                chosen.add(by_entity[id(me)])
                                break
                elif section == "tablegroups":
                    if _star(fm.parsed.text, el, section) and not names:
                        chosen.update(x for grp in m.groups for x in grp["tables"])
                    for qn in names:
                        for gid in group_by_name.get(qn.text, []):
                            chosen.update(gmembers[gid])
                elif section == "schemas":
                    wanted = {qn.text for qn in names}
                    for t in d.tables:
                        schema = t.entity.key.split(".", 1)[0]
                        if schema in wanted:
                            chosen.add(tid[t.name])
            m.views.append({"name": el.name.text, "tables": sorted(chosen)})

    m.tables.sort(key=lambda x: x["id"])
    m.edges.sort(key=lambda x: x["id"])
    m.enums.sort(key=lambda x: x["id"])
    m.groups.sort(key=lambda x: x["id"])
    m.views.sort(key=lambda x: x["name"])
    for t in m.tables:
        t["groups"].sort()
    return m


def _table_extra(ex, t: DiagramTable, enum_ids: dict) -> tuple:
    """What the model says of a table beyond its columns: (kind, name start, name end, access,
    note, the columns its `%events_for` tables add, the Definition.ref of its family's enum)."""
    from ..check.marks import valid_marks
    from ..check.traits import effective_access

    ent = t.entity
    path = t.path
    dbmt = not path.endswith(".dbml")
    kind, family = t.kind, None
    if ent.events is not None:
        start, end = ent.events.mark.start, ent.events.mark.end
        for_cols = frozenset(c.name.text for fd in ent.events.for_tables for c in fd.element.columns)
        el = None
    else:
        el = ent.defn.element
        start, end = ent.defn.name_node.start, ent.defn.name_node.end
        for_cols = frozenset()
        ctx = ex.ctx(path)
        if dbmt:
            claim = valid_marks(el, "extension_enum")[:1]
            support = valid_marks(el, "extension")
            if claim:
                e = ctx.enum(claim[0].args[0].text.rsplit(".", 1)[0])
                family = e.ref if e is not None else None
            elif support:
                e = ctx.enum(support[0].args[0].text)
                family = e.ref if e is not None else None
            if kind == "table" and valid_marks(el, "relation"):
                kind = "relation"
    access = None
    if dbmt and ent.defn is not None:
        acc = effective_access(ex.ctx(ent.defn.path), ent.defn)
        access = acc[0] if acc is not None else None
    return (kind, start, end, access, _note(el), for_cols, family)


def _groups(ex, m: Model, by_entity: dict) -> dict[str, list[str]]:
    """The model's groups, with their members as the engine resolves them (a table may be in
    several); returns group id → member table ids."""
    from ..check.traits import group_access, members_of

    gmembers: dict[str, list[str]] = {}
    root = m.root
    for ent in ex.entities:
        if ent.kind != "group" or ent.defn is None:
            continue
        g = ent.defn
        gid = f"g:{_rel(root, ent.path)}#{ent.key}"
        k = 2
        while gid in gmembers:
            gid, k = f"g:{_rel(root, ent.path)}#{ent.key}~{k}", k + 1
        ctx = ex.ctx(g.path)
        members = []
        for md in members_of(ctx, g):
            me = ex.by_element.get(id(md.element))
            if me is not None and id(me) in by_entity and by_entity[id(me)] not in members:
                members.append(by_entity[id(me)])
        ga = group_access(g)
        color = _setting(g.element, "color")
        m.groups.append({"id": gid, "name": g.key, "color": color, "access": ga[0] if ga else None,
                         "tables": sorted(members)})
        gmembers[gid] = members
    for i, grp in enumerate(sorted(m.groups, key=lambda x: x["id"])):
        if grp["color"] is None:
            grp["color"] = GROUP_PALETTE[i % len(GROUP_PALETTE)]
    return gmembers


def _plain_name(out: str) -> str:
    from .model import _plain
    return _plain(out)


def _setting(el, key: str) -> str | None:
    for s in el.settings:
        if s.key == key and s.value is not None:
            return s.value.text
    return None


def _note(el) -> str | None:
    if el is None:
        return None
    note = _setting(el, "note")
    if note is not None:
        return note
    return el.notes[0].text if el.notes else None


def _variant_label(t: DiagramTable, cols: list[str]) -> str | None:
    """`opt_to_led_ext_id` → the extension it points at, as the column names it."""
    c = cols[0] if cols else ""
    return c[len("opt_to_"):-len("_id")] if c.startswith("opt_to_") and c.endswith("_id") else None


def _star(text: str, el, section: str) -> bool:
    """A `Tables { * }` section (DBML's "all of them"); the parser keeps no name for `*`."""
    body = text[el.body_start:el.body_end]
    i = body.lower().find(section)
    if i < 0:
        return False
    j = body.find("{", i)
    k = body.find("}", j)
    return j >= 0 and k > j and body[j + 1:k].strip() == "*"


# -- filters ------------------------------------------------------------------------------------
def check_filter(f) -> dict:
    """The filter as given, validated: an object whose keys are those of the contract."""
    if f is None:
        return {}
    if not isinstance(f, dict):
        raise FilterError("the diagram filter must be an object")
    unknown = sorted(set(f) - set(FILTER_KEYS))
    if unknown:
        raise FilterError(f"unknown diagram filter key '{unknown[0]}' (known: {', '.join(FILTER_KEYS)})")
    if "files" in f and (not isinstance(f["files"], list) or not all(isinstance(u, str) for u in f["files"])):
        raise FilterError("filter 'files' must be a list of URIs")
    for k in ("folder", "group", "view"):
        if k in f and not isinstance(f[k], str):
            raise FilterError(f"filter '{k}' must be a string")
    if "focus" in f:
        fo = f["focus"]
        if not isinstance(fo, dict) or not isinstance(fo.get("table"), str):
            raise FilterError("filter 'focus' must be {\"table\": table id, \"hops\": n}")
        hops = fo.get("hops", 1)
        if not isinstance(hops, int) or isinstance(hops, bool) or hops < 0:
            raise FilterError("filter 'focus.hops' must be a whole number ≥ 0")
    return f


def select(m: Model, f: dict, path_of) -> set[str] | None:
    """The table ids the filter keeps (None: no filter, everything). `path_of(uri)` → path."""
    chosen: set[str] | None = None

    def meet(ids: set[str]) -> None:
        nonlocal chosen
        chosen = ids if chosen is None else chosen & ids

    if "files" in f:
        paths = {path_of(u) for u in f["files"]}
        meet({t for t, p in m.table_path.items() if p in paths})
    if "folder" in f:
        folder = path_of(f["folder"]).rstrip("/\\")
        meet({t for t, p in m.table_path.items() if p.startswith(folder + os.sep) or p.startswith(folder + "/")})
    if "group" in f:
        groups = [g for g in m.groups if g["name"] == f["group"] or g["id"] == f["group"]]
        if not groups:
            raise FilterError(f"no TableGroup named '{f['group']}' in the workspace")
        meet({t for g in groups for t in g["tables"]})
    if "view" in f:
        views = [v for v in m.views if v["name"] == f["view"]]
        if not views:
            raise FilterError(f"no DiagramView named '{f['view']}' in the workspace")
        meet({t for v in views for t in v["tables"]})
    if "focus" in f:
        start = f["focus"]["table"]
        if start not in m.table_path:
            raise FilterError(f"no table with id '{start}' in the workspace")
        meet(neighbours(m, start, f["focus"].get("hops", 1)))
    return chosen


def neighbours(m: Model, start: str, hops: int) -> set[str]:
    """The tables at most `hops` edges away from `start`, edges taken either way (a relation
    connector also reaches its relation table)."""
    adj: dict[str, set[str]] = {}
    for e in m.edges:
        ends = [e["from"]["table"], e["to"]["table"]] + ([e["via"]] if e["via"] else [])
        for a in ends:
            adj.setdefault(a, set()).update(x for x in ends if x != a)
    seen, queue = {start: 0}, deque([start])
    while queue:
        cur = queue.popleft()
        if seen[cur] == hops:
            continue
        for nb in sorted(adj.get(cur, ())):
            if nb not in seen:
                seen[nb] = seen[cur] + 1
                queue.append(nb)
    return set(seen)


# -- JSON ---------------------------------------------------------------------------------------
def materialize(m: Model, span, uri_of, memo: dict | None = None) -> dict:
    """The whole model as the contract's JSON (no filter, revision 0): ranges from `span(path,
    start, end)`, URIs from `uri_of(path)`. Filters select from this (`select_json`), so a
    server converts each model once however many filtered requests follow. `memo` (kept by the
    caller across builds with the same `span`): a table `build` gave as the same object as
    before is converted once."""
    def rng(r):
        return span(*r) if r is not None else None

    uris: dict[str, str] = {}

    def uri(path: str) -> str:
        u = uris.get(path)
        if u is None:
            u = uris[path] = uri_of(path)
        return u

    def table(t: dict) -> dict:
        return {**t, "uri": uri(t["uri"]), "range": rng(t["range"]),
                "columns": [{**c, "range": rng(c["range"])} for c in t["columns"]]}

    if memo is None:
        tables = [table(t) for t in m.tables]
    else:
        kept: dict[int, tuple[dict, dict]] = {}
        tables = []
        for t in m.tables:
            e = memo.get(id(t))
            if e is None or e[0] is not t:
                e = (t, table(t))
            kept[id(t)] = e
            tables.append(e[1])
        memo.clear()
        memo.update(kept)
    enums = [{**e, "uri": uri(e["uri"]), "range": rng(e["range"])} for e in m.enums]
    files = [{"uri": uri(x["path"]), "path": x["rel"], "team": x["team"], "color": x["color"]} for x in m.files]
    return {"version": VERSION, "revision": 0, "root": uri_of(m.root), "files": files, "tables": tables,
            "edges": list(m.edges), "enums": enums,  # final once built (never changed after)
            "groups": [{**g, "tables": list(g["tables"])} for g in m.groups],
            "views": [{**v, "tables": list(v["tables"])} for v in m.views], "filter": {}}


def select_json(full: dict, m: Model, f: dict | None, path_of=None, revision: int = 0) -> dict:
    """The contract's result for filter `f` from the materialized model (its lists shared, not
    copied: the result is serialized, never changed)."""
    f = check_filter(f)
    keep = select(m, f, path_of or _path_of) if f else None
    if keep is None:
        return {**full, "revision": revision, "filter": f}
    tables = [t for t in full["tables"] if t["id"] in keep]
    edges = [e for e in full["edges"] if e["from"]["table"] in keep and e["to"]["table"] in keep
             and (e["via"] is None or e["via"] in keep)]
    groups = []
    for g in full["groups"]:
        members = [t for t in g["tables"] if t in keep]
        if members:
            groups.append({**g, "tables": members})
    used_types = {c["type"].removesuffix("[]") for t in tables for c in t["columns"]}
    enum_keep = {t["family"] for t in tables if t["family"]} | {e["id"] for e in full["enums"] if e["name"] in used_types}
    file_keep = {m.table_path[t] for t in keep}
    rel_keep = {x["rel"] for x in m.files if x["path"] in file_keep}
    return {**full, "revision": revision, "files": [x for x in full["files"] if x["path"] in rel_keep],
            "tables": tables, "edges": edges, "enums": [e for e in full["enums"] if e["id"] in enum_keep],
            "groups": groups, "filter": f}


def to_json(m: Model, f: dict | None, span, uri_of, path_of=None, revision: int = 0) -> dict:
    """The contract's result. `span(path, start, end)` → an LSP range dict; `uri_of(path)` → URI."""
    return select_json(materialize(m, span, uri_of), m, f, path_of, revision)


def _path_of(uri_or_path: str) -> str:
    """A filter's `file:` URI (or, from scripts, a plain path) as the engine's real path."""
    if uri_or_path.startswith("file:"):
        from ..lsp.context import path_of_uri
        return path_of_uri(uri_or_path)
    return os.path.realpath(uri_or_path)


LISTS = (("files", "uri"), ("tables", "id"), ("edges", "id"), ("enums", "id"), ("groups", "id"), ("views", "name"))
DELTA_LISTS = (("tables", "tableIds"), ("edges", "edgeIds"))


def share(before: dict | None, after: dict) -> bool:
    """Make `after` (a materialized model) hold `before`'s objects for the items that did not
    change (so unchanged tables are one object across revisions, and a delta finds them by
    identity); returns whether the two models are equal (nothing to redraw)."""
    if before is None:
        return False
    same = before.get("root") == after.get("root") and before.get("version") == after.get("version")
    for key, ident in LISTS:
        old = {x[ident]: x for x in before[key]}
        items = after[key]
        if len(items) != len(before[key]):
            same = False
        for i, x in enumerate(items):
            b = old.get(x[ident])
            if b is None:
                same = False
            elif b is not x:
                if b == x:
                    items[i] = b
                else:
                    same = False
        if same and any(a is not b for a, b in zip(items, before[key])):
            same = False  # the same items in another order
    return same


def delta(before: dict, after: dict, since: int) -> dict:
    """`after` as a change of `before` (two results of one filter): the tables and edges that
    are new or changed, every id in order, the small lists (files, enums, groups, views) whole.
    docs/lsp.md, "Deltas"; editors/diagram/delta.mjs applies it."""
    out = {k: v for k, v in after.items() if k not in ("tables", "edges")}
    out["since"] = since
    for key, ids in DELTA_LISTS:
        old = {x["id"]: x for x in before[key]}
        out[key] = [x for x in after[key] if (b := old.get(x["id"])) is not x and b != x]
        out[ids] = [x["id"] for x in after[key]]
    return out


def spans_over(codec, text_of):
    """`span` in `codec`'s encoding over the texts `text_of(path)` gives (one Lines per file)."""
    lines: dict[str, object] = {}

    def span(path: str, start: int, end: int) -> dict:
        li = lines.get(path)
        if li is None:
            li = lines[path] = codec.lines(path, text_of(path))
        l1, c1 = codec.point(li, start)
        l2, c2 = codec.point(li, max(start, end))
        return {"start": {"line": l1, "character": c1}, "end": {"line": l2, "character": c2}}

    return span


def utf16_spans(ws):
    """`span` for callers outside the LSP (the CLI): UTF-16 ranges over the workspace's texts."""
    from ..lsp.positions import Codec

    return spans_over(Codec("utf-16"), lambda path: ws.index.files[path].parsed.text)


def file_uri(path: str) -> str:
    from pathlib import Path
    return Path(path).as_uri()
