"""Workspace → one plain DBML document (§9 of the language): what `dbmt-lsp --expand` writes.

Marks are removed and what they mean is written out in DBML's own terms: the columns
`%extension E` generates (`opt_to_<v>_id` with their refs, `ext E`), the events tables
`%events_clone` generates (with the columns `%events_for` tables add), the built-in enum
`EventAction` when something uses it, and notes saying where each generated element came from.
DBML allows a table in one TableGroup only: a table stays in the first group (workspace order)
that lists it, its other memberships and its effective access become notes. Names several files
define without seeing each other get the file's name as a suffix, and every mention (refs, enum
types, group members, partial injections) is written with the name of what it resolves to from
its own file, so the document means what the workspace meant.

Everything is read from the engine's model: the index resolves names, `Ctx.columns` gives the
columns every consumer sees (check/extensions.py, check/events.py compute the generated ones),
check/traits.py gives memberships and access. Settings, types, defaults, indexes and checks are
copied from the source text as written; the document is laid out by the formatter (format.py).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from .check import load_rules
from .check.context import Ctx
from .check.events import EVENT_ACTIONS, EventsTable, events_table
from .check.extensions import generated_target
from .check.traits import effective_access
from .syntax import nodes as n
from .workspace.index import Definition, qkey

IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
BUILTIN = "<built-in>"
BARE_KEYS = {"pk", "primary key", "unique", "increment", "null", "not null"}


class ExpandError(Exception):
    """The workspace cannot be expanded (it has errors); the message says how many and where to look."""


@dataclass(eq=False)
class Entity:
    """One element of the expanded document: a declared table, enum, partial, group or sticky
    note, an events table, or the built-in EventAction."""

    kind: str                 # table | enum | partial | group | note
    key: str                  # `schema.name` for tables and enums, the name for the others
    path: str                 # the file defining it (BUILTIN for EventAction)
    defn: Definition | None
    events: EventsTable | None = None
    out: str = ""             # its name in the document, quoted as DBML needs
    renamed: bool = False
    groups_dropped: list[str] = field(default_factory=list)  # groups whose listing was dropped

    @property
    def schema_name(self) -> tuple[str, str]:
        if "." in self.key and self.kind in ("table", "enum"):
            s, name = self.key.split(".", 1)
            return s, name
        return "public", self.key


def quote(name: str, quoted: bool = False) -> str:
    """A name as DBML reads it: bare when it is an identifier, else `"…"`."""
    if not quoted and IDENT_RE.match(name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def qualified(schema: str, name: str) -> str:
    return quote(name) if schema == "public" else f"{quote(schema)}.{quote(name)}"


def string(text: str) -> str:
    """A single-quoted DBML string holding exactly `text`."""
    return "'" + (text.replace("\\", "\\\\").replace("'", "\\'").replace("\r", "\\r").replace("\n", "\\n")
                  .replace("\t", "\\t")) + "'"


def _tag(rel_path: str) -> str:
    stem = rel_path.rsplit(".", 1)[0]
    return re.sub(r"[^0-9A-Za-z]+", "_", stem).strip("_") or "file"


class Expander:
    def __init__(self, ws):
        load_rules()  # the column providers (partials, extensions, events) register on import
        self.ws = ws
        self.index = ws.index
        self.cache: dict = {}
        self._ctx: dict[str, Ctx] = {}
        self.entities: list[Entity] = []
        self.by_element: dict[int, Entity] = {}      # id(element) → entity (events: every def of it)
        self.setting_path: dict[int, str] = {}       # id(Setting) → the file it is written in
        self.type_path: dict[int, str] = {}          # id(TypeRef) → the file it is written in
        self.builtin_action: Entity | None = None
        self.user_action: Entity | None = None
        self.taken_aliases: set[str] = set()  # `Table x as A` aliases that would clash once merged
        self._enum_memo: dict[tuple[str, str], tuple[Entity | None, tuple[str, ...]]] = {}

    # -- helpers ------------------------------------------------------------------------------
    def ctx(self, path: str) -> Ctx:
        c = self._ctx.get(path)
        if c is None:
            c = self._ctx[path] = Ctx(self.index, self.index.files[path], self.ws.config, self.cache, store=self.ws.facts)
        return c

    def recorded(self, path: str, compute):
        """compute(), and the dependency keys of what it read from `path`'s point of view (every
        name the index resolved, every fact and memo its file's Ctx read): the keys a consumer
        that keeps the answer must re-read it by (Workspace.changed_since)."""
        value, deps = self.ctx(path).collect(compute)
        deps.add(f"scope:{path}")
        return value, deps

    def rel(self, path: str) -> str:
        if path == BUILTIN:
            return path
        return os.path.relpath(path, str(self.ws.root)).replace(os.sep, "/")

    def text(self, path: str) -> str:
        return self.index.files[path].parsed.text

    def columns(self, d: Definition) -> list[n.Column]:
        return self.ctx(d.path).columns(d)

    # -- the model ------------------------------------------------------------------------------
    def collect(self) -> None:
        files = self.index.files
        for path, fm in files.items():
            for el in fm.parsed.elements:
                if el.kind in ("table", "partial"):
                    for c in el.columns:
                        for s in c.settings:
                            self.setting_path[id(s)] = path
                        if c.type is not None:
                            self.type_path[id(c.type)] = path
        # Each table's columns from its own file's point of view first (partials resolve from
        # there); events tables then read them.
        for path, fm in files.items():
            for d in fm.defs:
                if d.kind == "table" and d.element.generated_for is None:
                    self.columns(d)
        events: dict[str, EventsTable] = {}
        for key, defs in self.index.defs["table"].items():
            gen = [d for d in defs if d.element.generated_for is not None]
            if gen:
                et = events_table(self.ctx(gen[0].path), key)
                if et is not None:
                    events[key] = et
        for_tables = {id(d.element): et for et in events.values() for d in et.for_tables}
        emitted_events: set[str] = set()
        for path, fm in files.items():
            for d in fm.defs:
                el = d.element
                if d.kind == "table" and el.generated_for is not None:
                    et = events.get(d.key)
                    if et is None or et.base.element is not el.generated_for or d.key in emitted_events:
                        continue
                    emitted_events.add(d.key)
                    ent = Entity("table", d.key, et.base.path, d, events=et)
                    self.by_element[id(el)] = ent
                    for fd in et.for_tables:
                        self.by_element[id(fd.element)] = ent
                    self.entities.append(ent)
                    continue
                if d.kind == "table" and id(el) in for_tables:
                    continue  # part of its events table
                ent = Entity(d.kind, d.key, path, d)
                self.by_element[id(el)] = ent
                self.entities.append(ent)
        # EventAction: the user's (a .dbmt file may define it, with exactly the built-in
        # variants: DBMT504), else the built-in one when anything uses it.
        for ent in self.entities:
            if ent.kind == "enum" and ent.key == "public.EventAction" and not ent.path.endswith(".dbml"):
                self.user_action = ent
                break
        if self.user_action is None and (events or self._mentions_event_action()):
            self.builtin_action = Entity("enum", "public.EventAction", BUILTIN, None)
            self.entities.insert(0, self.builtin_action)
        self._name()

    def _mentions_event_action(self) -> bool:
        for path, fm in self.index.files.items():
            if fm.is_dbml:
                continue
            for el in fm.parsed.elements:
                if el.kind in ("table", "partial"):
                    for c in el.columns:
                        if c.type is not None and c.type.qname.text == "EventAction" and \
                                not self.index.visible(path, "enum", "public.EventAction"):
                            return True
        return False

    def _name(self) -> None:
        """Out names: a name several entities share (files that do not see each other) gets
        each file's name as a suffix; the built-in EventAction keeps its name."""
        groups: dict[tuple[str, str], list[Entity]] = {}
        for ent in self.entities:
            groups.setdefault((ent.kind, ent.key), []).append(ent)
        taken = {k for k in groups}
        for (kind, key), ents in groups.items():
            for ent in ents:
                schema, name = ent.schema_name
                if len(ents) > 1 and ent.path != BUILTIN:
                    base = f"{name}__{_tag(self.rel(ent.path))}"
                    new, i = base, 2
                    while (kind, f"{schema}.{new}" if kind in ("table", "enum") else new) in taken:
                        new, i = f"{base}_{i}", i + 1
                    taken.add((kind, f"{schema}.{new}" if kind in ("table", "enum") else new))
                    name, ent.renamed = new, True
                quoted = False
                if ent.defn is not None and ent.defn.element.name is not None and not ent.renamed:
                    quoted = ent.defn.element.name.last.quoted
                ent.out = (quote(name, quoted) if schema == "public" else f"{quote(schema)}.{quote(name, quoted)}") \
                    if kind in ("table", "enum") else quote(name, quoted)

    # -- resolution -----------------------------------------------------------------------------
    def table_of(self, path: str | None, qn: n.QualifiedName) -> Entity | None:
        key = qkey(qn)
        found = self.index.visible(path, "table", key) if path in self.index.files else \
            self.index.defs["table"].get(key, [])
        for d in found:
            ent = self.by_element.get(id(d.element))
            if ent is not None:
                return ent
        return None

    def table_name(self, path: str | None, qn: n.QualifiedName) -> str:
        ent = self.table_of(path, qn)
        return ent.out if ent is not None else ".".join(quote(p.text, p.quoted) for p in qn.parts)

    def enum_of(self, path: str, qn: n.QualifiedName) -> Entity | None:
        key = qkey(qn)
        # Most columns of a file share a few types (`int`, `varchar`): one lookup each per file
        # (the workspace does not change during one Expander's life).
        # The names that lookup resolved are replayed for a reader that records them.
        rec = self.index.recording
        memo = self._enum_memo.get((path, key))
        if memo is None:
            names: set[str] = set()
            self.index.recording = names
            try:
                found = self._enum_of(path, key)
            finally:
                self.index.recording = rec
            memo = self._enum_memo[(path, key)] = (found, tuple(names))
        if rec is not None:
            rec.update(memo[1])
        return memo[0]

    def _enum_of(self, path: str, key: str) -> Entity | None:
        found = self.index.visible(path, "enum", key) if path in self.index.files else []
        for d in found:
            ent = self.by_element.get(id(d.element))
            if ent is not None:
                return ent
        if key == "public.EventAction" and path in self.index.files and not self.index.files[path].is_dbml:
            return self.user_action or self.builtin_action
        return None

    # -- writing --------------------------------------------------------------------------------
    def setting(self, s: n.Setting, path: str, own: Entity, ref_target=None) -> str:
        """One setting: as written, with a ref's table named by what it resolves to."""
        spath = self.setting_path.get(id(s))
        if s.key == "ref" and s.ref is not None:
            ep = s.ref.target
            if ref_target is not None:
                tname = ref_target
            elif ep.table is None:
                tname = own.out
            else:
                # A generated ref names its table by key (the supporting file need not see it).
                tname = self.table_name(spath, ep.table)
            return f"ref: {s.ref.op} {tname}.{self.columns_text(ep.columns)}"
        if spath is not None:
            return self.text(spath)[s.start:s.end]
        if s.value is None:
            return s.key
        return f"{s.key}: {value_text(s.value)}"

    def columns_text(self, cols: list[n.Name]) -> str:
        if len(cols) == 1:
            return quote(cols[0].text, cols[0].quoted)
        return "(" + ", ".join(quote(c.text, c.quoted) for c in cols) + ")"

    def type_text(self, t: n.TypeRef | None, path: str) -> str:
        if t is None:
            return "unknown"
        tpath = self.type_path.get(id(t), path)
        en = self.enum_of(tpath, t.qname)
        if en is not None:
            return en.out + (f"({t.args})" if t.args is not None else "") + "[]" * t.array
        if id(t) in self.type_path:
            return self.text(tpath)[t.start:t.end]
        return ".".join(quote(p.text) for p in t.qname.parts) + (f"({t.args})" if t.args is not None else "") + "[]" * t.array

    def column(self, c: n.Column, path: str, own: Entity, notes: list[str], ref_target=None) -> tuple[str, str, str]:
        """(name, type, settings) of one column line; `notes` are added to its note."""
        settings = []
        note_text = None
        for s in c.settings:
            if s.key == "note" and notes:
                note_text = s.value.text if s.value is not None else ""
                continue
            settings.append(self.setting(s, path, own, ref_target if s.key == "ref" else None))
        marks = [mark_text(mk, self.text(path)) for mk in c.marks] if c.generated_from is None and c.injected_from is None else []
        lines = ([note_text] if note_text else []) + [f"dbmt: {m}" for m in marks] + notes
        if lines:
            settings.append(f"note: {string(chr(10).join(lines))}")
        return (quote(c.name.text, c.name.quoted), self.type_text(c.type, path),
                f"[{', '.join(settings)}]" if settings else "")

    def table_block(self, keyword: str, ent: Entity, el: n.Table, path: str, rows: list[tuple[str, str, str] | str],
                    notes: list[str], header_from: list[tuple[n.Table, str]], tail: list[str]) -> str:
        """A Table or TablePartial: header settings as written (a note moves into the body when
        dbmt adds to it), column rows, then notes, indexes, checks, records."""
        header, body_notes = [], []
        for hel, hpath in header_from:
            for s in hel.settings:
                if s.key == "note" and s.value is not None and notes:
                    body_notes.append((s.value, hpath))  # merged with dbmt's into the one body note
                else:
                    header.append(self.text(hpath)[s.start:s.end])
            body_notes.extend((v, hpath) for v in hel.notes)
        alias = ""
        if keyword == "Table" and getattr(el, "alias", None) is not None and ent.events is None:
            alias = f" as {quote(el.alias.text, el.alias.quoted)}" if el.alias.text not in self.taken_aliases else ""
        head = f"{keyword} {ent.out}{alias}" + (f" [{', '.join(header)}]" if header else "") + " {"
        out = [head]
        out.extend(rows_text(rows))
        if notes:
            texts = [v.text for v, _p in body_notes] + notes
            out.append(f"  Note: {string(chr(10).join(texts))}")
        else:
            for v, p in body_notes:
                out.append(f"  Note: {self.text(p)[v.start:v.end]}")
        out.extend(tail)
        out.append("}")
        return "\n".join(out)

    def body_tail(self, el: n.Table, path: str) -> list[str]:
        text = self.text(path)
        out = []
        if el.indexes:
            out.append("  indexes {")
            out.extend(f"    {text[ix.start:ix.end]}" for ix in el.indexes)
            out.append("  }")
        if el.checks:
            out.append("  checks {")
            out.extend(f"    {text[ck.start:ck.end]}" for ck in el.checks)
            out.append("  }")
        for r in el.records:
            out.append("  " + text[r.start:r.end])
        return out

    def table(self, ent: Entity) -> str:
        d = ent.defn
        el: n.Table = d.element
        path = d.path
        text = self.text(path)
        declared = {id(c) for c in el.columns}
        # Declared columns and `~partial` lines in the order written; then the generated columns.
        members: list[tuple[int, object]] = [(c.start, c) for c in el.columns] + [(i.start, i) for i in el.injections]
        rows: list = []
        for _at, m in sorted(members, key=lambda x: x[0]):
            if isinstance(m, n.Name):
                p = self.index.visible(path, "partial", m.text)
                pent = self.by_element.get(id(p[0].element)) if p else None
                rows.append(f"~{pent.out if pent else quote(m.text, m.quoted)}")
            else:
                rows.append(self.column(m, path, ent, []))
        ctx = self.ctx(path)
        for c in self.columns(d):
            if id(c) in declared or c.injected_from is not None or c.generated_from is None:
                continue
            mk = c.generated_from
            target = generated_target(ctx, c)
            tname = self.by_element[id(target.element)].out if target is not None and id(target.element) in self.by_element else None
            arg = mk.args[0].text if mk.args else ""
            why = (f"dbmt: generated by %extension {arg} (variant table {target.element.name.text})" if target is not None
                   else f"dbmt: generated by %extension {arg}: the extensions the row carries" if c.name.text == "ext"
                   else f"dbmt: generated by %extension {arg}")
            rows.append(self.column(c, path, ent, [why], ref_target=tname))
        notes = [f"dbmt: {mark_text(mk, text)}" for mk in el.marks]
        notes += self.table_notes(ent, d)
        keyword = "TablePartial" if ent.kind == "partial" else "Table"
        return self.table_block(keyword, ent, el, path, rows, notes, [(el, path)], self.body_tail(el, path))

    def table_notes(self, ent: Entity, d: Definition) -> list[str]:
        out = []
        if ent.renamed:
            out.append(f"dbmt: '{d.element.name.text}' of {self.rel(d.path)}, renamed: another file defines the same name")
        for g in ent.groups_dropped:
            out.append(f"dbmt: also in TableGroup {g} (DBML puts a table in one group)")
        if ent.kind == "table" and not d.path.endswith(".dbml"):
            acc = effective_access(self.ctx(d.path), d)
            if acc is not None:
                out.append(f"dbmt: access {acc[0]} (from TableGroup {acc[1].key})")
        return out

    def events(self, ent: Entity) -> str:
        et = ent.events
        base = et.base
        btext = self.text(base.path)
        base_out = self.by_element[id(base.element)].out
        own = {id(c): fd for fd in et.for_tables for c in fd.element.columns}
        rows = []
        for c in et.columns:
            fd = own.get(id(c))
            if fd is not None:
                rows.append(self.column(c, fd.path, ent, []))
                continue
            if c.name.text == "id" or c.name.text == "action" or c.name.text.endswith("_id") and c.setting("ref") is not None \
                    and c.setting("ref").ref.target.table is base.element.name:
                what = {"id": "the event's own key", "action": "what happened to the row"}.get(
                    c.name.text, f"the {base.element.name.text} row")
                rows.append(self.column(c, base.path, ent, [f"dbmt: generated by %events_clone on {base.element.name.text}: {what}"],
                                        ref_target=base_out if c.setting("ref") is not None else None))
            else:
                src = "generated by %extension on " if c.generated_from is not None and c.generated_from.name == "extension" \
                    else "copied from "
                path = base.path
                if c.injected_from is not None:
                    p = self.index.visible(base.path, "partial", c.injected_from)
                    path = p[0].path if p else base.path
                rows.append(self.column(c, path, ent, [f"dbmt: {src}{base.element.name.text}.{c.name.text} by %events_clone"],
                                        ref_target=self._generated_ref(c, base)))
        notes = [f"dbmt: events table of {base.element.name.text}, generated by {mark_text(et.mark, btext)} "
                 f"({self.rel(base.path)})"]
        for fd in et.for_tables:
            ftext = self.text(fd.path)
            notes.append(f"dbmt: with the columns of the %events_for table in {self.rel(fd.path)}")
            notes += [f"dbmt: {mark_text(mk, ftext)}" for mk in fd.element.marks if mk.name != "events_for"]
        if ent.renamed:
            notes.append("dbmt: renamed: another file defines the same name")
        notes += [f"dbmt: also in TableGroup {g} (DBML puts a table in one group)" for g in ent.groups_dropped]
        tail = [line for fd in et.for_tables for line in self.body_tail(fd.element, fd.path)]
        return self.table_block("Table", ent, ent.defn.element, base.path, rows, notes,
                                [(fd.element, fd.path) for fd in et.for_tables], tail)

    def _generated_ref(self, c: n.Column, base: Definition) -> str | None:
        """A copied column generated by `%extension` on the base: its ref's target table."""
        if c.generated_from is None or c.generated_from.name != "extension":
            return None
        target = generated_target(self.ctx(base.path), c)
        if target is not None and id(target.element) in self.by_element:
            return self.by_element[id(target.element)].out
        return None

    def enum(self, ent: Entity) -> str:
        if ent.defn is None:
            out = ["// dbmt: the built-in enum of events tables (§7); DBML gives an enum no note",
                   f"Enum {ent.out} {{"]
            out.extend(f"  {v}" for v in EVENT_ACTIONS)
            out.append("}")
            return "\n".join(out)
        el: n.Enum = ent.defn.element
        text = self.text(ent.defn.path)
        out = [f"// dbmt: {mark_text(mk, text)}" for mk in el.marks]
        if ent.renamed:
            out.append(f"// dbmt: '{el.name.text}' of {self.rel(ent.defn.path)}, renamed: another file defines the same name")
        out.append(f"Enum {ent.out} {{")
        for v in el.values:
            line = f"  {quote(v.name.text, v.name.quoted)}"
            if v.settings:
                line += " [" + ", ".join(text[s.start:s.end] for s in v.settings) + "]"
            out.append(line)
        out.append("}")
        return "\n".join(out)

    def group(self, ent: Entity, members: list[str], dropped: list[tuple[str, str]]) -> str:
        el: n.TableGroup = ent.defn.element
        path = ent.defn.path
        text = self.text(path)
        notes = [f"dbmt: {mark_text(mk, text)}" for mk in el.marks]
        notes += [f"dbmt: also lists {t} (kept in TableGroup {g}: DBML puts a table in one group)" for t, g in dropped]
        if ent.renamed:
            notes.append(f"dbmt: '{el.name.text}' of {self.rel(path)}, renamed: another file defines the same name")
        header, body_notes = [], []
        for s in el.settings:
            if s.key == "note" and s.value is not None and notes:
                body_notes.append(s.value.text)
            else:
                header.append(text[s.start:s.end])
        out = [f"TableGroup {ent.out}" + (f" [{', '.join(header)}]" if header else "") + " {"]
        out.extend(f"  {m}" for m in members)
        if notes:
            out.append(f"  Note: {string(chr(10).join(body_notes + [v.text for v in el.notes] + notes))}")
        else:
            out.extend(f"  Note: {text[v.start:v.end]}" for v in el.notes)
        out.append("}")
        return "\n".join(out)

    def ref(self, el: n.Ref, path: str) -> str:
        text = self.text(path)
        rels = []
        for rel in el.relationships:
            line = (f"{self.table_name(path, rel.left.table)}.{self.columns_text(rel.left.columns)} {rel.op} "
                    f"{self.table_name(path, rel.right.table)}.{self.columns_text(rel.right.columns)}")
            if rel.settings:
                line += " [" + ", ".join(text[s.start:s.end] for s in rel.settings) + "]"
            rels.append(line)
        head = "Ref" + (f" {quote(el.name.text)}" if el.name is not None else "")
        if el.settings:
            head += " [" + ", ".join(text[s.start:s.end] for s in el.settings) + "]"
        if len(rels) == 1:
            return f"{head}: {rels[0]}"
        return head + " {\n" + "\n".join(f"  {r}" for r in rels) + "\n}"

    def records(self, el: n.RecordsElement, path: str) -> str:
        text = self.text(path)
        rec = el.records
        if rec is None or rec.table is None:
            return text[el.start:el.end]
        cols = f"({', '.join(quote(c.text, c.quoted) for c in rec.columns)})" if rec.columns else ""
        body = text.find("{", rec.table.end)
        return f"Records {self.table_name(path, rec.table)}{cols} " + text[body:el.end]

    # -- the document ---------------------------------------------------------------------------
    def groups_plan(self) -> dict[int, tuple[list[str], list[tuple[str, str]]]]:
        """id(group entity) → (member lines kept, (table, group kept in) dropped)."""
        kept_in: dict[int, Entity] = {}
        plan: dict[int, tuple[list[str], list[tuple[str, str]]]] = {}
        for ent in self.entities:
            if ent.kind != "group":
                continue
            members, dropped = [], []
            seen = set()
            for qn in ent.defn.element.tables:
                t = self.table_of(ent.defn.path, qn)
                if t is None:
                    members.append(".".join(quote(p.text, p.quoted) for p in qn.parts))
                    continue
                if id(t) in seen:
                    continue
                seen.add(id(t))
                first = kept_in.setdefault(id(t), ent)
                if first is ent:
                    members.append(t.out)
                else:
                    dropped.append((t.out, first.out))
                    t.groups_dropped.append(ent.out)
            plan[id(ent)] = (members, dropped)
        return plan

    def document(self) -> str:
        self.collect()
        aliases = [getattr(e.defn.element, "alias", None) for e in self.entities if e.kind == "table" and e.defn is not None]
        names = {e.out for e in self.entities if e.kind == "table"}
        counts: dict[str, int] = {}
        for a in aliases:
            if a is not None:
                counts[a.text] = counts.get(a.text, 0) + 1
        self.taken_aliases = {a for a, k in counts.items() if k > 1 or quote(a) in names}
        plan = self.groups_plan()
        rels = [self.rel(p) for p in self.index.files]
        out = [f"// Plain DBML expanded by dbmt-lsp --expand from {len(rels)} file{'s' if len(rels) != 1 else ''}: "
               "marks removed, generated columns and events tables written out."]
        if self.builtin_action is not None:
            out.append(self.enum(self.builtin_action))
        project_seen = False
        for path, fm in self.index.files.items():
            parts = []
            text = fm.parsed.text
            for el in fm.parsed.elements:
                kind = el.kind
                if kind == "use":
                    continue
                if kind == "project":
                    if project_seen:
                        parts.append(f"// dbmt: the Project of {self.rel(path)} is left out: DBML allows one per document")
                        continue
                    project_seen = True
                    parts.append(text[el.start:el.end])
                    continue
                if kind == "ref":
                    parts.append(self.ref(el, path))
                    continue
                if kind == "records":
                    parts.append(self.records(el, path))
                    continue
                if kind in ("diagramview", "generic"):
                    parts.append(text[el.start:el.end])
                    continue
                for d in fm.defs_of.get(id(el), ()):
                    ent = self.by_element.get(id(d.element))
                    if ent is None or (ent.defn is not d):
                        continue
                    if ent.events is not None:
                        parts.append(self.events(ent))
                    elif ent.kind in ("table", "partial"):
                        parts.append(self.table(ent))
                    elif ent.kind == "enum":
                        parts.append(self.enum(ent))
                    elif ent.kind == "group":
                        parts.append(self.group(ent, *plan[id(ent)]))
                    elif ent.kind == "note":
                        nm = el.name
                        parts.append(text[el.start:nm.start] + ent.out + text[nm.end:el.end] if ent.renamed else text[el.start:el.end])
            if parts:
                out.append(f"// ---- {self.rel(path)} ----\n" + "\n\n".join(parts))
        return "\n\n".join(out) + "\n"


def mark_text(mk: n.Mark, text: str) -> str:
    """A mark as written, blanks collapsed: `%extension_requires LedExt RunningExt`."""
    return " ".join(text[mk.start:mk.end].split())


def value_text(v: n.Value) -> str:
    if v.kind == "string":
        return string(v.text)
    if v.kind == "expression":
        return f"`{v.text}`"
    return v.text


def rows_text(rows: list) -> list[str]:
    """Column rows (name, type, settings) and other body lines (`~partial`), one per line; the
    formatter aligns them (expand_workspace)."""
    return ["  " + (" ".join(x for x in r if x) if isinstance(r, tuple) else r) for r in rows]


def expand_workspace(ws, allow_errors: bool = False) -> str:
    """The plain DBML document of a loaded workspace. A workspace with error-level diagnostics
    raises ExpandError unless allow_errors: what its marks mean is not settled."""
    if not allow_errors and ws.has_errors():
        from .diagnostics import ERROR
        count = sum(1 for st in ws.files.values() for d in st.diagnostics if d.severity == ERROR)
        files = sum(1 for st in ws.files.values() if any(d.severity == ERROR for d in st.diagnostics))
        raise ExpandError(f"the workspace has {count} error{'s' if count != 1 else ''} in {files} "
                          f"file{'s' if files != 1 else ''}: fix them first (dbmt-lsp --check)")
    from .format import format_file

    # The canonical layout; the document is checked by tests with the official parser, so the
    # formatter's per-element re-parse is skipped (half of a big workspace's expansion time).
    return format_file(Expander(ws).document(), path_is_dbml=True, verify=False).text


__all__ = ["expand_workspace", "ExpandError", "Expander"]


def open_workspace(path: str):
    """The workspace a CLI path belongs to (a file's or folder's root, found as --check finds it)."""
    from pathlib import Path

    from .workspace import Workspace
    from .workspace.config import find_root, load_config

    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(path)
    found = find_root(p if p.is_dir() else p.parent, fallback=Path.cwd())
    return Workspace.open(found.path, config=load_config(found.path, found.config_file))


def write_output(text: str, output: str | None) -> None:
    """To stdout, or to `output` (replaced whole, so a reader never sees half a file)."""
    import sys

    if output is None or output == "-":
        sys.stdout.write(text)
        return
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
    os.replace(tmp, output)


def main(path: str, output: str | None) -> int:
    """`dbmt-lsp --expand [PATH] [-o FILE]`: 0 written, 1 the workspace has errors, 2 usage or I/O."""
    import sys

    from .workspace.config import ConfigError

    try:
        ws = open_workspace(path)
        write_output(expand_workspace(ws), output)
    except ExpandError as e:
        print(f"dbmt-lsp: cannot expand {path}: {e}", file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"dbmt-lsp: no such file or directory: {path}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"dbmt-lsp: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"dbmt-lsp: cannot write {e.filename or output}: {e.strerror}", file=sys.stderr)
        return 2
    return 0
