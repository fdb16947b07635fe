"""The workspace as a diagram sees it: tables (declared, extension, events) with their columns and
keys, and the relationships between them with their cardinality. Read from the same model as
--expand (expand.Expander): names resolve as each file sees them, generated columns and events
tables are the engine's."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..expand import BUILTIN, Expander
from ..syntax import nodes as n


@dataclass(slots=True)
class DiagramColumn:
    name: str
    type: str
    pk: bool = False
    fk: bool = False
    unique: bool = False
    not_null: bool = False
    generated: str = ""   # why dbmt generated it ("" for declared columns)
    # Where the column is declared in its table's own file (its name), for navigation; None
    # for generated, injected (`~partial`) and `%events_for` columns written elsewhere.
    span: tuple[int, int] | None = None


@dataclass(slots=True)
class DiagramTable:
    name: str             # as the expanded document names it (`core.accounts`, `users__a_schema`)
    kind: str             # table | extension | events
    path: str             # the file defining it
    columns: list[DiagramColumn] = field(default_factory=list)
    entity: object = None  # the Expander's Entity (the diagram request reads more facts from it)

    def column(self, name: str) -> DiagramColumn | None:
        for c in self.columns:
            if c.name == name:
                return c
        return None


@dataclass(slots=True)
class Relationship:
    """`left.cols op right.cols` as DBML writes it: `>` many-to-one, `<` one-to-many, `-` one-to-one,
    `<>` many-to-many (`?` marks of optional operators dropped)."""

    left: str
    left_columns: list[str]
    op: str
    right: str
    right_columns: list[str]
    generated: str = ""   # `%extension` for the references its generated opt_to_*_id columns make


@dataclass(slots=True)
class Diagram:
    tables: list[DiagramTable]
    relationships: list[Relationship]
    expander: Expander | None = None
    # id(table) → its TablePart, when diagram_of keeps parts (not on the table: a part holds its
    # table, and a cycle between them would wait for the cyclic collector)
    parts: dict = field(default_factory=dict)

    def table(self, name: str) -> DiagramTable | None:
        for t in self.tables:
            if t.name == name:
                return t
        return None


def _plain(out: str) -> str:
    """A document name without DBML's quotes: `"a b"` → `a b`, `core."x"` → `core.x`."""
    parts, cur, quoted = [], "", False
    for ch in out:
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return ".".join(parts)


class TablePart:
    """One declared table as the diagram read it, kept across builds (diagram_of's `parts`):
    valid while its element and its file's text are the objects they were, its name in the
    document is the same and no key it read has changed since (Workspace.changed_since)."""

    __slots__ = ("element", "text", "out", "deps", "table", "rels", "extra", "raw", "raw_key")

    def __init__(self, element, text: str, out: str, deps: frozenset[str], table: "DiagramTable", rels: list):
        self.element = element
        self.text = text
        self.out = out
        self.deps = deps
        self.table = table
        self.rels = rels      # the relationships its columns' `ref:` settings make
        self.extra = None     # what diagram.build reads of it (kind, family, access …), once
        self.raw = None       # diagram.build's dict of it, reused while `raw_key` holds
        self.raw_key = None


def diagram_of(ws, parts: dict | None = None, changed: set[str] | None = None) -> Diagram:
    """The workspace's tables and relationships. With `parts` (id(element) → TablePart, from
    the build before) and `changed` (the keys changed since that build, Workspace.changed_since),
    a declared table whose part is still valid is not read again; `parts` is left holding this
    build's parts."""
    ex = Expander(ws)
    ex.collect()
    tables: list[DiagramTable] = []
    rels: list[Relationship] = []
    kept: dict[int, TablePart] = {}
    for ent in ex.entities:
        if ent.kind != "table" or ent.path == BUILTIN:
            continue
        if ent.events is not None:
            t, own = _table(ex, ent)
            rels.extend(own)
            tables.append(t)
            continue
        el = ent.defn.element
        text = ex.index.files[ent.path].parsed.text
        part = parts.get(id(el)) if parts is not None and changed is not None else None
        if part is not None and (part.element is not el or part.text is not text or part.out != ent.out
                                 or not part.deps.isdisjoint(changed)):
            part = None
        if part is None:
            (t, own), deps = ex.recorded(ent.path, lambda: _table(ex, ent))
            part = TablePart(el, text, ent.out, frozenset(deps), t, own)
        else:
            t = part.table
            for c in t.columns:
                c.fk = False  # set again below, from every relationship of this build
        t.entity = ent
        kept[id(el)] = part
        rels.extend(part.rels)
        tables.append(t)
    if parts is not None:
        parts.clear()
        parts.update(kept)
    for path, fm in ex.index.files.items():
        for el in fm.parsed.elements:
            if el.kind != "ref":
                continue
            for r in el.relationships:
                if r.left.table is None or r.right.table is None:
                    continue
                rels.append(Relationship(_plain(ex.table_name(path, r.left.table)), [c.text for c in r.left.columns],
                                         r.op.replace("?", ""), _plain(ex.table_name(path, r.right.table)),
                                         [c.text for c in r.right.columns]))
    by_name = {t.name: t for t in tables}
    for r in rels:
        for tname, cols in ((r.left, r.left_columns), (r.right, r.right_columns)):
            t = by_name.get(tname)
            if t is None:
                continue
            # The referencing side carries the foreign key: the many side, or the left of `-`.
            if (tname == r.left and r.op in (">", "-", "<>")) or (tname == r.right and r.op in ("<", "<>")):
                for cn in cols:
                    col = t.column(cn)
                    if col is not None:
                        col.fk = True
    rels = [r for r in rels if r.left in by_name and r.right in by_name]
    return Diagram(tables, rels, ex, {id(p.table): p for p in kept.values()})


def _table(ex: Expander, ent) -> tuple[DiagramTable, list[Relationship]]:
    """One table of the diagram (declared or events) and the relationships its columns make."""
    rels: list[Relationship] = []
    name = _plain(ent.out)
    if ent.events is not None:
        kind, cols, path = "events", ent.events.columns, ent.events.base.path
        own_path = {id(c): fd.path for fd in ent.events.for_tables for c in fd.element.columns}
    else:
        el = ent.defn.element
        kind = "extension" if any(mk.name == "extension_enum" for mk in el.marks) and not ent.path.endswith(".dbml") else "table"
        cols, path, own_path = ex.columns(ent.defn), ent.path, {}
    t = DiagramTable(name, kind, path, entity=ent)
    declared = {id(c) for c in ent.defn.element.columns} if ent.events is None else \
        {k for k, p in own_path.items() if p == path}
    for c in cols:
        typ = ex.type_text(c.type, own_path.get(id(c), path)) if c.type else ""
        if len(typ) > 1 and typ[0] == typ[-1] == '"':
            typ = typ[1:-1]  # `"double precision"`: the type, not DBML's quoting of it
        dc = DiagramColumn(c.name.text, typ,
                           pk=c.is_pk, unique=c.setting("unique") is not None,
                           not_null=c.setting("not null") is not None)
        if c.generated_from is not None and not (ent.events is not None and id(c) in own_path):
            dc.generated = f"%{c.generated_from.name}"
        if id(c) in declared and c.injected_from is None and c.generated_from is None:
            dc.span = (c.name.start, c.name.end)
        s = c.setting("ref")
        if s is not None and s.ref is not None:
            target = _ref_target(ex, ent, c, s, own_path.get(id(c), path))
            if target is not None:
                gen = "%extension" if c.generated_from is not None and c.generated_from.name == "extension" else ""
                rels.append(Relationship(name, [c.name.text], s.ref.op.replace("?", ""), target,
                                         [x.text for x in s.ref.target.columns], gen))
        t.columns.append(dc)
    for ix in (ent.defn.element.indexes if ent.events is None else []):
        if any(st.key in ("pk", "primary key") for st in ix.settings):
            for cn in ix.columns:
                col = t.column(cn.text)
                if col is not None:
                    col.pk = True
    return t, rels


def _ref_target(ex: Expander, ent, c: n.Column, s: n.Setting, path: str) -> str | None:
    from ..check.extensions import generated_target

    if ent.events is None and c.generated_from is not None and c.generated_from.name == "extension":
        target = generated_target(ex.ctx(ent.defn.path), c)
        if target is not None and id(target.element) in ex.by_element:
            return _plain(ex.by_element[id(target.element)].out)
    ep = s.ref.target
    if ep.table is None:
        return _plain(ent.out)
    if ent.events is not None and ep.table is ent.events.base.element.name:
        return _plain(ex.by_element[id(ent.events.base.element)].out)
    spath = ex.setting_path.get(id(s))
    t = ex.table_of(spath, ep.table)
    return _plain(t.out) if t is not None else None
