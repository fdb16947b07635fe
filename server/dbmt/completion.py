"""Which names fit where the cursor is: the engine's answer to completion. `cursor.py` says what
place the cursor is in (from the text alone); this asks the index, the Navigator and the rules'
own tables (check/marks.py, check/dbml.py, check/traits.py) for what may be written there, and
ranks it. The language server only turns the result into protocol items.

Names a file cannot see but the workspace defines elsewhere come with the definition to import
(`Candidate.needs_import`), offered only in files that have `use` lines (a `.dbmt` file without
them already sees everything) and once a prefix is typed (a workspace of 2,000 tables would
otherwise send them all on every keystroke; the list is marked incomplete, so the client asks
again as the user types).
"""

from __future__ import annotations

import heapq
import os
import re
import weakref
from bisect import bisect_right
from functools import lru_cache
from collections import Counter
from dataclasses import dataclass, field

from . import cursor as cur
from .check import dbml as dbml_rules
from .check.literals import classify_type
from .check.marks import ALL_EXTS, CONSTRAINT_MARKS, MARKS
from .check.traits import ACCESS_LEVELS
from .imports import KIND_WORDS, TextEdit, import_edit, local_name, quoted, use_path
from .syntax import changed_span, parse_text
from .markdocs import MARK_DOCS, mark_markdown, mark_plaintext
from .workspace.index import Definition, events_table_name, qkey, resolve_use_path

LIMIT = 100  # items per answer; more matches make the list incomplete

# Column types every DBML user writes (each known to the value rules, check/literals.py, except
# the binary ones), with a snippet for the parametrised ones.
BUILTIN_TYPES = {
    "int": None, "integer": None, "bigint": None, "smallint": None, "tinyint": None, "serial": None,
    "bigserial": None, "decimal": "decimal(${1:10},${2:2})", "numeric": "numeric(${1:10},${2:2})",
    "float": None, "double": None, "real": None, "bool": None, "boolean": None,
    "varchar": "varchar(${1:255})", "char": "char(${1:1})", "text": None, "date": None, "time": None,
    "timestamp": None, "timestamptz": None, "datetime": None, "duration": None, "uuid": None, "json": None,
    "jsonb": None, "bytea": None, "blob": None, "i8": None, "i16": None, "i32": None, "i64": None, "u8": None,
    "u16": None, "u32": None, "u64": None,
}

ELEMENT_SNIPPETS = {
    "Table": ("Table ${1:name} {\n\t${2:id} ${3:int} [pk]$0\n}", "a table"),
    "Enum": ("Enum ${1:name} {\n\t${2:value}$0\n}", "an enum"),
    "Ref": ("Ref: ${1:table}.${2:column} > ${3:table}.${4:column}", "a relationship"),
    "TableGroup": ("TableGroup ${1:name} {\n\t$0\n}", "a table group (a trait in dbmt)"),
    "TablePartial": ("TablePartial ${1:name} {\n\t$0\n}", "columns to inject with ~name"),
    "Project": ("Project ${1:name} {\n\tdatabase_type: '${2:PostgreSQL}'\n}", "the project"),
    "Note": ("Note ${1:name} {\n\t'${2}'\n}", "a sticky note"),
    "Records": ("Records ${1:table}(${2:columns}) {\n\t$0\n}", "rows of a table"),
    "DiagramView": ("DiagramView ${1:name} {\n\tTables { $0 }\n}", "a diagram view"),
    "use": ("use { ${1:table} ${2:name} } from '${3:./file}'", "import names from another file"),
    "reuse": ("reuse { ${1:table} ${2:name} } from '${3:./file}'", "import and re-export names"),
}

SETTINGS = {"column": dbml_rules.COLUMN, "table": dbml_rules.TABLE, "partial": dbml_rules.PARTIAL,
            "group": dbml_rules.GROUP, "sticky": dbml_rules.STICKY, "relationship": dbml_rules.RELATIONSHIP,
            "index": dbml_rules.INDEX, "enum_value": dbml_rules.ENUM_VALUE, "check": dbml_rules.CHECK}
SETTING_WORDS = {
    "pk": "primary key", "primary key": "primary key", "not null": "no NULL values", "null": "NULL allowed",
    "unique": "unique values", "increment": "auto-increment", "default": "default value", "note": "a note",
    "ref": "an inline relationship", "check": "a check expression", "headercolor": "header colour",
    "color": "colour", "delete": "ON DELETE action", "update": "ON UPDATE action", "inactive": "not drawn",
    "name": "the name", "type": "index type (btree, hash)",
}
CONFLICTS = {"pk": "primary key", "primary key": "pk", "null": "not null", "not null": "null"}
REF_OPERATORS = {">": "many-to-one", "<": "one-to-many", "-": "one-to-one", "<>": "many-to-many"}
TRIGGERS = ("init", "write", "read")
INDEX_TYPES = ("btree", "hash")


@dataclass
class Candidate:
    """One thing that may be written at the cursor."""

    label: str
    kind: str                  # keyword mark table column enum variant group partial type value setting operator file
    insert: str | None         # what replaces the word at the cursor (plain text; None: made on finish)
    snippet: str | None = None
    detail: str | None = None
    doc: tuple[str, str] | None = None       # (markdown, plain text)
    rank: int = 0              # lower first
    definition: Definition | None = None      # what it names (documentation on resolve)
    needs_import: Definition | None = None    # the `use` line to add
    import_edit: TextEdit | None = None       # … and the edit that adds it (offsets in the text)
    filter: str | None = None  # what a client matches the typed word against (default: insert)


@dataclass
class Completions:
    cursor: cur.Cursor
    items: list[Candidate] = field(default_factory=list)
    incomplete: bool = False


def display(key: str) -> str:
    return key[7:] if key.startswith("public.") else key


def _key(text: str) -> str:
    parts = text.split(".")
    return f"{parts[-2]}.{parts[-1]}" if len(parts) >= 2 else f"public.{parts[0]}"


# Where a word starts in a name: its start, after a non-alphanumeric character, a capital after
# a small letter (`ExtType`), a digit after a non-digit.
_BOUNDARY = r"(?:(?<![0-9A-Za-z])|(?<=[a-z])(?=[A-Z])|(?<=[^0-9])(?=[0-9]))"


@lru_cache(maxsize=64)
def _patterns(p: str) -> tuple[re.Pattern, re.Pattern]:
    """The prefix as a word of a name, and its first letter at a word start (plain literals
    after the boundary: no backtracking however long the word typed)."""
    word = re.compile(_BOUNDARY + "(?i:" + re.escape(p) + ")")
    first = re.compile(_BOUNDARY + "(?i:" + re.escape(p[0]) + ")")
    return word, first


def matches(prefix: str, text: str) -> int | None:
    """How well `text` fits the typed `prefix` (lower is better; None: not at all): 0 it
    starts so, 1 a word of it does (`ext` in `AccessoryExtType`, `us` in `core.users`), 2 the
    prefix's letters in order from the start of a word (`aet`). Case does not count. This is
    what editors' fuzzy filters keep, so nothing they would show is dropped here."""
    if not prefix:
        return 0
    p = prefix.lower()
    if text[:len(prefix)].lower() == p:
        return 0
    t = text.lower()
    if p[0] not in t:
        return None
    dot = text.rfind(".")
    if dot >= 0 and t.startswith(p, dot + 1):
        return 1
    word, first = _patterns(prefix)
    if word.search(text):
        return 1
    # The letters in order from the first word start that has the first letter: the earliest
    # start leaves the most text, so if it fails every later one does.
    m = first.search(text)
    if m is None:
        return None
    at = m.end()
    for ch in p[1:]:
        at = t.find(ch, at)
        if at < 0:
            return None
        at += 1
    return 2


class _Builder:
    def __init__(self, nav, path: str, c: cur.Cursor, view: "_View"):
        self.nav = nav
        self.index = nav.index
        self.path = path
        self.fm = nav.index.files[path]
        self.view = view
        self.c = c
        self.items: list[Candidate] = []
        self.more = False      # candidates were left out (import candidates before a prefix)
        self.root = str(getattr(nav.ws, "root", "") or "")
        self._where: dict[str, str] = {}
        self._paths: dict[str, str] = {}
        # The whole word under the cursor: what the element's parse holds where the cursor is
        # (a name being completed again must not count as given already).
        self.word = view.text[c.start:c.end]
        if c.quoted and self.word.startswith('"'):
            self.word = self.word[1:-1] if len(self.word) > 1 and self.word.endswith('"') else self.word[1:]

    def fits(self, label: str) -> bool:
        """Whether a name is worth a candidate (the typed prefix is checked before building one)."""
        return matches(self.c.prefix, label) is not None

    def add(self, *cands: Candidate) -> None:
        self.items.extend(cands)

    # -- the names a file sees ----------------------------------------------------------------
    def visible(self, kind: str) -> list[tuple[str, Definition]]:
        """(local key, definition) of every `kind` name the file sees."""
        idx = self.index
        sc = idx.scope(self.path)
        if sc is None:
            return [(k, v[0]) for k, v in idx.defs[kind].items() if v]
        return [(k, v[0]) for (kd, k), v in sc.items() if kd == kind and v]

    def importable(self, kind: str) -> list[tuple[str, Definition]]:
        """Definitions of other files the file does not see (it has `use` lines): what
        auto-import offers. Only once a prefix is typed."""
        idx = self.index
        sc = idx.scope(self.path)
        if sc is None or kind not in KIND_WORDS:
            return []
        if not self.c.prefix:
            if any((kind, k) not in sc for k in idx.defs[kind]):
                self.more = True
            return []
        prefix = self.c.prefix
        found = []
        for key, defs in idx.defs[kind].items():
            if (kind, key) in sc:
                continue
            m = matches(prefix, display(key))
            if m is not None:
                found.append((m, key, defs))
        # Only the best can make the answer: visible names come first at equal fit.
        if len(found) > LIMIT:
            found = heapq.nsmallest(LIMIT, found, key=lambda t: t[:2])
            self.more = True
        out = []
        for _m, key, defs in found:
            seen = set()
            for d in defs:
                if d.path != self.path and d.path not in seen:
                    seen.add(d.path)
                    out.append((key, d))
        return out

    def lookup(self, kind: str, text: str) -> Definition | None:
        found = self.index.visible(self.path, kind, _key(text) if kind in ("table", "enum") else text)
        return found[0] if found else None

    def where(self, d: Definition) -> str:
        got = self._where.get(d.path)
        if got is None:
            got = self._where[d.path] = self.where_path(d.path)
        return got

    def import_path(self, target: str) -> str:
        got = self._paths.get(target)
        if got is None:
            got = self._paths[target] = use_path(self.path, target, self._exists)
        return got

    def named(self, kind: str, local: str, d: Definition, rank: int = 0, imported: bool = False) -> Candidate:
        """A candidate naming a definition; its text and detail are made by `finish`, only for
        the candidates that make the answer (a prefix can match thousands of tables)."""
        label = (display(d.key) if d.kind in ("table", "enum") else d.key) if imported else display(local)
        return Candidate(label, kind, None, rank=rank, definition=d, needs_import=d if imported else None)

    def finish(self, c: Candidate) -> Candidate:
        d = c.definition
        if c.insert is None:
            if c.needs_import is not None:
                c.insert = local_name(d)
            elif "." in c.label and d is not None and d.kind in ("table", "enum"):
                c.insert = ".".join(quoted(p) for p in c.label.split("."))
            else:
                c.insert = quoted(c.label)
        if c.detail is None and d is not None:
            if c.needs_import is not None:
                c.detail = f"{c.kind} · auto-import from {self.import_path(d.path)}"
            else:
                c.detail = f"{c.kind} · {self.where(d)}"
            base = getattr(d.element, "generated_for", None)
            if base is not None:
                c.detail += f" (events table of {base.name.text if base.name else '?'})"
        return c

    def _exists(self, p: str) -> bool:
        return p in self.index.files or os.path.isfile(p)

    def names(self, kind: str, rank: int = 0, skip=(), qualifier: tuple[str, ...] = ()) -> None:
        """Visible names of a kind (then the importable ones), optionally of one schema."""
        schema = qualifier[0] if len(qualifier) == 1 else None
        for local, d in self.visible(kind):
            if local in skip or d.key in skip:
                continue
            if schema is not None:
                s, _, name = local.partition(".")
                if s != schema or not self.fits(name):
                    continue
                c = self.named(kind, local, d, rank)
                c.label, c.insert = name, quoted(name)
                self.add(c)
            elif not qualifier and self.fits(display(local)):
                self.add(self.named(kind, local, d, rank))
        if not qualifier:
            for key, d in self.importable(kind):
                if key not in skip:
                    self.add(self.named(kind, key, d, rank + 5, imported=True))

    # -- the element the cursor is in ------------------------------------------------------
    def element(self):
        """The parsed element whose header the cursor analysis found (from the text as it is
        now, which the index may not have seen yet)."""
        if self.c.element_start < 0:
            return None
        return self.view.element_at(self.c.element_start)

    def element_def(self) -> Definition | None:
        """The index's definition of that element (by its name when the index's parse of the
        file is older than the text)."""
        el = self.element()
        if el is None or el.name is None:
            return None
        d = self.fm.definition_of(el)
        if d is not None:
            return d
        kind = {"table": "table", "partial": "partial", "enum": "enum", "group": "group"}.get(el.kind)
        if kind is None:
            return None
        key = qkey(el.name) if kind in ("table", "enum") else el.name.text
        for d in self.fm.defs:
            if d.kind == kind and d.key == key and getattr(d.element, "generated_for", None) is None:
                return d
        return None

    # -- the places ------------------------------------------------------------------------
    def run(self) -> None:
        fn = getattr(self, "at_" + self.c.where, None)
        if fn is not None:
            fn()

    def at_top(self) -> None:
        for word, (snippet, what) in ELEMENT_SNIPPETS.items():
            self.add(Candidate(word, "keyword", word, snippet=snippet, detail=what))

    def at_member(self) -> None:
        c = self.c
        el = c.element
        if el in ("table", "partial"):
            self.add(Candidate("indexes", "keyword", "indexes", snippet="indexes {\n\t$0\n}", detail="indexes of the table"),
                     Candidate("checks", "keyword", "checks", snippet="checks {\n\t`$0`\n}", detail="check expressions"),
                     Candidate("Note", "keyword", "Note", snippet="Note: '$0'", detail="a note on the table"))
            self.required_columns()
        elif el == "enum":
            self.add(Candidate("Note", "keyword", "Note", snippet="Note: '$0'", detail="a note on the enum"))
        elif el == "group":
            g = self.element()
            listed = {qkey(qn) for qn in getattr(g, "tables", ())} if g is not None else set()
            if self.word:
                listed.discard(_key(".".join(c.qualifier + (self.word,))))
            self.names("table", skip=listed, qualifier=c.qualifier)
            if not c.qualifier:
                self.add(Candidate("Note", "keyword", "Note", snippet="Note: '$0'", detail="a note on the group", rank=3))
        elif el == "project":
            self.add(Candidate("database_type", "keyword", "database_type: ", snippet="database_type: '${1:PostgreSQL}'",
                               detail="the database"),
                     Candidate("Note", "keyword", "Note", snippet="Note: '$0'", detail="a note on the project"))

    def required_columns(self) -> None:
        """Columns the table's groups require (`%require_columns`) that it does not declare yet,
        with the type the other members give them."""
        d = self.element_def()
        if d is None or d.kind != "table":
            return
        have = {col.name.text for col in self.nav.columns(d)}
        for g in self.nav.groups_of(d):
            for mk in g.element.marks:
                if mk.name != "require_columns":
                    continue
                for a in mk.args:
                    if a.text in have:
                        continue
                    typ = None
                    for m in self.nav.members(g):
                        for col in self.nav.columns(m):
                            if col.name.text == a.text and col.type is not None:
                                typ = col.type.text
                                break
                        if typ:
                            break
                    have.add(a.text)
                    gname = g.element.name.text if g.element.name else "?"
                    text = f"{quoted(a.text)} {typ}" if typ else quoted(a.text)
                    self.add(Candidate(a.text, "column", text, snippet=(text if typ else f"{quoted(a.text)} ${{1:type}}"),
                                       detail=f"required by TableGroup {gname}", rank=-1, filter=a.text))

    def at_mark_name(self) -> None:
        c = self.c
        if c.placement == "misplaced":
            return
        el = self.element()
        if c.placement == "column":
            wanted = "column"
        else:
            wanted = {"table": "table", "enum": "enum", "group": "group"}.get(c.element or "")
            if wanted is None:
                return
        names = [mk.name for mk in getattr(el, "marks", ())] if el is not None else []
        if self.word.startswith("%") and self.word[1:] in names:
            names.remove(self.word[1:])  # the mark being typed
        present = set(names)
        for name, spec in MARKS.items():
            if spec.where != wanted:
                continue
            if not self.mark_fits(name, el, present):
                continue
            d = MARK_DOCS[name]
            self.add(Candidate("%" + name, "mark", "%" + name, snippet=d.snippet, detail=d.signature,
                               doc=(mark_markdown(name), mark_plaintext(name)), filter="%" + name))

    def mark_fits(self, name: str, el, present: set[str]) -> bool:
        """Whether a mark may stand here without an error (DBMT107/108/202/203 and the like)."""
        if name in ("relation", "extension_enum", "events_clone", "events_for", "extension_validate",
                    "extension_limit", "access") and name in present:
            return False
        if name == "extension_validate" and "extension" not in present:
            return False
        if name == "relation_source":
            if el is None or "relation" not in present:
                return False
            here = self.c.column
            for col in getattr(el, "columns", ()):
                if col.name.text != here and any(mk.name == "relation_source" for mk in col.marks):
                    return False
        if self.fm.is_dbml:
            return False  # marks are dbmt only (DBMT110)
        return True

    def at_column_end(self) -> None:
        if self.fm.is_dbml:
            return
        self.c.placement = "column"
        self.at_mark_name()

    def at_mark_arg(self) -> None:
        c = self.c
        spec = MARKS.get(c.mark or "")
        if spec is None or self.fm.is_dbml:
            return
        if spec.max_args is not None and c.arg_index >= spec.max_args:
            return
        m = c.mark
        if m == "extension_enum":
            self.claim_arguments()
        elif m == "extension":
            if c.qualifier:
                return
            el = self.element()
            named = [_key(mk.args[0].text) for mk in getattr(el, "marks", ()) if mk.name == "extension" and mk.args]
            if self.word and _key(self.word) in named:
                named.remove(_key(self.word))  # the argument being typed
            self.enums(set(named))
        elif m == "extension_validate":
            for t in TRIGGERS:
                if t not in c.given:
                    self.add(Candidate(t, "value", t, detail="extension trigger"))
        elif m in CONSTRAINT_MARKS:
            el = self.element()
            values = [v.name.text for v in getattr(el, "values", ())] if el is not None and el.kind == "enum" else []
            for v in values:
                if v not in c.given:
                    self.add(Candidate(v, "variant", quoted(v), detail=f"variant of {c.element_name}"))
            if m != "extension_requires" and ALL_EXTS not in c.given:
                self.add(Candidate(ALL_EXTS, "value", ALL_EXTS, detail="every variant", rank=1))
        elif m == "require_columns":
            self.group_columns()
        elif m == "access":
            for lvl in ACCESS_LEVELS:
                self.add(Candidate(lvl, "value", lvl, detail="access level"))
        elif m == "events_clone":
            name = (c.element_name or "").split(".")[-1]
            if name:
                ev = events_table_name(name)
                self.add(Candidate(ev, "table", ev, detail="the default events-table name"))
        elif m == "events_for":
            self.events_bases()

    def enums(self, skip=frozenset(), rank: int = 0, extension_first: bool = True) -> None:
        """Visible enums (extension enums first, when asked), then the importable ones."""
        from .check.extensions import is_extension_enum
        ctx = self.nav.ctx(self.path) if extension_first else None
        for local, d in self.visible("enum"):
            if local in skip or d.key in skip or not self.fits(display(local)):
                continue
            cand = self.named("enum", local, d, rank)
            if ctx is not None and not is_extension_enum(ctx, d):
                cand.rank += 1
            self.add(cand)
        for key, d in self.importable("enum"):
            if key not in skip:
                self.add(self.named("enum", key, d, rank + 5, imported=True))

    def claim_arguments(self) -> None:
        """`%extension_enum Enum.Variant`: after `Enum.` its variants, unclaimed first; before,
        the unclaimed variants of every extension enum and the enum names."""
        from .check.extensions import claims_of, is_extension_enum
        c = self.c
        ctx = self.nav.ctx(self.path)
        own = self.element_def()

        def variants(d: Definition, local: str, full: bool):
            claims = claims_of(ctx, d)
            for v in d.element.values:
                vn = v.name.text
                label = f"{display(local)}.{vn}" if full else vn
                if not self.fits(label):
                    continue
                taken = [cl for cl in claims.get(vn, []) if own is None or cl.table.element is not own.element]
                if taken:
                    if full:
                        continue
                    detail, rank = f"variant · claimed by {display(taken[0].table.key)}", 3
                else:
                    detail, rank = "variant · no extension table yet", 0
                self.add(Candidate(label, "variant", ".".join(quoted(p) for p in label.split(".")), detail=detail,
                                   rank=rank, definition=d))

        if c.qualifier:
            d = self.lookup("enum", ".".join(c.qualifier))
            if d is not None:
                variants(d, display(d.key), False)
            return
        for local, d in self.visible("enum"):
            shown = display(local)
            if any(self.fits(f"{shown}.{v.name.text}") for v in d.element.values) and is_extension_enum(ctx, d):
                variants(d, local, True)
        self.enums(rank=2)

    def group_columns(self) -> None:
        """`%require_columns`: the columns the group's members declare, the most shared first."""
        g = self.element_def()
        if g is None or g.kind != "group":
            return
        members = self.nav.members(g)
        count: Counter = Counter()
        types: dict[str, str] = {}
        for m in members:
            for col in self.nav.columns(m):
                count[col.name.text] += 1
                if col.type is not None:
                    types.setdefault(col.name.text, col.type.text)
        for name, k in count.items():
            if name in self.c.given:
                continue
            self.add(Candidate(name, "column", quoted(name), detail=f"{types.get(name, '')} · in {k} of {len(members)} members",
                               rank=0 if k == len(members) else 1))

    def events_bases(self) -> None:
        """`%events_for`: tables with `%events_clone`; the one whose events table has this
        table's name first."""
        c = self.c
        here = _key(c.element_name) if c.element_name else None
        seen = set()
        for d in self.index.all_defs("table"):
            base = getattr(d.element, "generated_for", None)
            if base is None or base.name is None:
                continue
            key = qkey(base.name)
            found = self.index.visible(self.path, "table", key)
            if not found or key in seen:
                continue
            seen.add(key)
            bd = next((f for f in found if f.element is base), found[0])
            cand = self.named("table", key, bd, 0 if d.key == here else 1)
            cand.detail = f"table with %events_clone · events table {display(d.key)}"
            self.add(cand)

    def at_column_type(self) -> None:
        c = self.c
        if c.qualifier:
            self.names("enum", qualifier=c.qualifier)
            return
        enums = {display(local) for local, _d in self.visible("enum")}
        used = self.nav_types()
        for t, k in used.most_common():
            if t in enums or not self.fits(t):
                continue
            self.add(Candidate(t, "type", t, snippet=BUILTIN_TYPES.get(t),
                               detail=f"type · used {k} time{'s' if k != 1 else ''}", rank=0))
        self.enums(rank=1, extension_first=False)
        for t, snippet in BUILTIN_TYPES.items():
            if t not in used and self.fits(t):
                self.add(Candidate(t, "type", t, snippet=snippet, detail=f"type · {classify_type(t)}", rank=3))

    def nav_types(self) -> Counter:
        return workspace_types(self.nav)

    def at_setting_name(self) -> None:
        c = self.c
        spec = SETTINGS.get(c.settings_of or "")
        if spec is None:
            return
        for key, kind in spec.items():
            if key == "dep":
                continue
            repeat = kind.endswith("*")
            if not repeat and key in c.given:
                continue
            if CONFLICTS.get(key) in c.given:
                continue
            if key == "ref" and c.settings_of == "column":
                snippet, insert = "ref: ${1|>,<,-,<>|} $0", "ref: "
            elif kind == "flag":
                snippet, insert = None, key
            elif kind == "string":
                snippet, insert = f"{key}: '$0'", f"{key}: "
            elif kind.startswith("color"):
                snippet, insert = f"{key}: #${{1:3498db}}", f"{key}: "
            elif kind.startswith("expr"):
                snippet, insert = f"{key}: `$0`", f"{key}: "
            else:
                snippet, insert = f"{key}: $0", f"{key}: "
            self.add(Candidate(key, "setting", insert, snippet=snippet, detail=SETTING_WORDS.get(key), filter=key,
                               rank=0 if kind == "flag" else 1))

    def at_setting_value(self) -> None:
        c = self.c
        key = c.setting
        if key == "default" and c.settings_of == "column" and c.column_type:
            e = self.lookup("enum", c.column_type)
            if e is not None:
                bare = not self.fm.is_dbml
                for v in e.element.values:
                    vn = v.name.text
                    if bare:
                        self.add(Candidate(vn, "variant", quoted(vn), detail=f"variant of {display(e.key)}", definition=e))
                    label = f"{display(e.key)}.{vn}"
                    self.add(Candidate(label, "variant", ".".join(quoted(p) for p in label.split(".")),
                                       detail=f"variant of {display(e.key)}", rank=1 if bare else 0, definition=e))
            elif classify_type(c.column_type) == "boolean":
                self.add(Candidate("true", "value", "true"), Candidate("false", "value", "false"))
            self.add(Candidate("null", "value", "null", rank=2))
        elif key in ("delete", "update"):
            for p in dbml_rules.POLICIES:
                self.add(Candidate(p, "value", p, detail=f"ON {key.upper()} {p.upper()}", filter=p))
        elif key == "type" and c.settings_of == "index":
            for t in INDEX_TYPES:
                self.add(Candidate(t, "value", t, detail="index type"))

    def at_ref_operator(self) -> None:
        text = self.view.text
        lead = "" if self.c.offset > 0 and text[self.c.offset - 1].isspace() else " "
        for op, what in REF_OPERATORS.items():
            self.add(Candidate(op, "operator", f"{lead}{op} ", detail=what, filter=op))

    def at_endpoint(self) -> None:
        c = self.c
        q = c.qualifier
        if not q:
            self.names("table")
            self.aliases()
            return
        d = self.lookup("table", ".".join(q))
        if d is None and len(q) <= 2 and self.index.scope(self.path) is not None:
            # A table of another file, not imported yet: its columns, with the import.
            for other in self.index.defs["table"].get(_key(".".join(q)), ()):
                if other.path != self.path:
                    self.columns_of(other, imported=True)
                    break
        if d is not None:
            self.columns_of(d)
        if len(q) == 1:
            self.names("table", qualifier=q)

    def aliases(self) -> None:
        fm = self.fm
        idx = self.index
        pairs = fm.aliases.items() if idx.scope(self.path) is not None else (
            (a, keys[0]) for a, keys in idx.aliases.items() if keys)
        for alias, key in pairs:
            found = idx.visible(self.path, "table", key)
            if found:
                self.add(Candidate(alias, "table", quoted(alias), detail=f"alias of {display(key)}", rank=1,
                                   definition=found[0]))

    def columns_of(self, d: Definition, skip=(), imported: bool = False) -> None:
        for col in self.nav.columns(d):
            name = col.name.text
            if name in skip:
                continue
            flags = []
            if col.is_pk:
                flags.append("pk")
            if col.generated_from is not None:
                flags.append(f"from %{col.generated_from.name}")
            elif col.injected_from is not None:
                flags.append(f"from ~{col.injected_from}")
            detail = " ".join([col.type_text or "column", *flags]) + f" · {display(d.key)}"
            if imported:
                detail += f" · auto-import from {self.import_path(d.path)}"
            self.add(Candidate(name, "column", quoted(name), detail=detail, rank=0 if col.is_pk else 1,
                               definition=d, needs_import=d if imported else None))

    def at_composite(self) -> None:
        d = self.lookup("table", ".".join(self.c.qualifier)) if self.c.qualifier else None
        if d is not None:
            self.columns_of(d, skip=set(self.c.given))

    def at_columns(self) -> None:
        c = self.c
        if c.element == "records" and c.element_name:
            d = self.lookup("table", c.element_name)
        else:
            d = self.element_def()
        if d is not None:
            self.columns_of(d, skip=set(c.given))

    def at_partial(self) -> None:
        el = self.element()
        skip = {inj.text for inj in getattr(el, "injections", ())}
        self.names("partial", skip=skip - {self.word})

    def at_records_table(self) -> None:
        self.names("table")

    def at_use_kind(self) -> None:
        for w in cur.USE_KIND_WORDS:
            self.add(Candidate(w, "keyword", w + " ", detail=f"import a {w}", filter=w))

    def at_use_name(self) -> None:
        c = self.c
        if not c.use_path:
            return
        target = resolve_use_path(os.path.dirname(self.path), c.use_path, self._exists)
        if target is None:
            return
        exports = self.index.exports(target)
        el = self.element()
        listed = {(s.kind_word, s.qname.text) for s in getattr(el, "specifiers", ())}
        if c.use_kind == "schema":
            schemas = sorted({k.split(".", 1)[0] for (kd, k) in exports if kd in ("table", "enum")})
            for s in schemas:
                if ("schema", s) not in listed:
                    self.add(Candidate(s, "module", quoted(s), detail=f"schema · {os.path.basename(target)}"))
            return
        kind = {"table": "table", "enum": "enum", "tablegroup": "group", "tablepartial": "partial", "note": "note"}[c.use_kind]
        for (kd, key), defs in exports.items():
            if kd != kind or not defs:
                continue
            label = display(key) if kind in ("table", "enum") else key
            if (c.use_kind, label) in listed and label != self.word:
                continue
            cand = Candidate(label, kind, local_name(defs[0]), detail=f"{kind} · {self.where(defs[0])}", definition=defs[0])
            self.add(cand)

    def at_use_from(self) -> None:
        self.add(Candidate("from", "keyword", "from ", snippet="from '${1:./file}'", filter="from"))

    def at_use_path(self) -> None:
        here = os.path.dirname(self.path)
        for p in self.index.files:
            if p == self.path:
                continue
            rel = self.import_path(p)
            depth = os.path.relpath(p, here).count("..")
            self.add(Candidate(f"'{rel}'", "file", f"'{rel}'", detail=self.where_path(p), rank=min(depth, 9),
                               filter=rel))

    def where_path(self, p: str) -> str:
        rel = os.path.relpath(p, self.root) if self.root else os.path.basename(p)
        return rel.replace(os.sep, "/")


_TYPES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()  # Navigator → its workspace's types


def workspace_types(nav) -> Counter:
    """How often each column type is written in the workspace (arguments and array suffixes
    dropped). Counted per file model once; summed once per workspace state (a Navigator)."""
    got = _TYPES.get(nav)
    if got is not None:
        return got
    total: Counter = Counter()
    for fm in nav.index.files.values():
        counts = getattr(fm, "_column_types", None)
        if counts is None:
            counts = Counter()
            for el in fm.parsed.elements:
                for col in getattr(el, "columns", ()):
                    t = col.type
                    if t is not None:
                        counts[t.qname.text] += 1
            fm._column_types = counts
        total.update(counts)
    _TYPES[nav] = total
    return total


class _View:
    """The file as the user sees it now. The index may hold an older parse of it (edits are
    applied to the workspace after the debounce, and completion does not wait for that): the
    text and its chunk starts are then the new ones, the element at the cursor is parsed from
    the new text, and edits computed on the older parse are moved to the new text."""

    def __init__(self, fm, text: str | None):
        self.fm = fm
        old = fm.parsed.text
        if text is None or text is old or text == old:
            self.text = old
            self.span = None
            self.starts = chunk_starts(fm)
            return
        self.text = text
        start, old_end, new_end = changed_span(old, text)
        delta = new_end - old_end
        self.span = (start, old_end, delta)
        # Chunk starts before the edit stay (the text before them is the same); those after it
        # move with it. A boundary the edit made is not known, but the cursor walk does not need
        # it: it reads any number of elements from a start.
        starts = chunk_starts(fm)
        self.starts = [s for s in starts if s <= start] + [s + delta for s in starts if s >= old_end and s + delta > start]

    def element_at(self, start: int):
        if self.span is None:
            els = self.fm.parsed.elements
            i = _bisect_elements(els, start)
            return els[i] if i < len(els) and els[i].start == start else None
        i = bisect_right(self.starts, start) - 1
        lo = self.starts[i] if i >= 0 else 0
        hi = self.starts[i + 1] if i + 1 < len(self.starts) else len(self.text)
        for el in parse_text(self.text[lo:hi]).elements:
            if el.start + lo == start:
                return el  # offsets relative to `lo`: read for its names, never its places
        return None

    def moved(self, e: TextEdit | None) -> TextEdit | None:
        """An edit of the indexed text, on the text as it is now (None when the edit touches
        what changed)."""
        if e is None or self.span is None:
            return e
        start, old_end, delta = self.span
        if e.end <= start:
            return e
        if e.start >= old_end:
            return TextEdit(e.start + delta, e.end + delta, e.text)
        return None


def chunk_starts(fm) -> list[int]:
    """Where the chunks of a file model's parse start (kept on the model: a new parse makes a
    new model)."""
    got = getattr(fm, "_chunk_starts", None)
    if got is None:
        got = fm._chunk_starts = [ch.start for ch in fm.parsed.chunks]
    return got


def _bisect_elements(els, start: int) -> int:
    lo, hi = 0, len(els)
    while lo < hi:
        mid = (lo + hi) // 2
        if els[mid].start < start:
            lo = mid + 1
        else:
            hi = mid
    return lo


def complete(nav, path: str, offset: int, text: str | None = None, limit: int = LIMIT) -> Completions:
    """What may be written at `offset` of file `path`, best first, at most `limit` items.
    `text`: the file as it is now, when the workspace (`nav`'s state) has not seen its latest
    edits; offsets are in it."""
    fm = nav.index.files[path]
    view = _View(fm, text)
    c = cur.cursor_at(view.text, offset, view.starts)
    out = Completions(c)
    if c.in_comment_or_string or c.where == cur.NOTHING:
        return out
    b = _Builder(nav, path, c, view)
    b.run()
    scored = []
    seen = set()
    for i, cand in enumerate(b.items):
        key = (cand.label, cand.kind, cand.needs_import.path if cand.needs_import is not None else None)
        if key in seen:
            continue
        seen.add(key)
        m = matches(c.prefix, cand.filter or cand.label)
        if m is None:
            continue
        scored.append((m, cand.rank, i, cand))
    scored.sort(key=lambda t: t[:3])
    out.incomplete = len(scored) > limit or b.more
    edits: dict[int, TextEdit | None] = {}
    by_file: dict = {}
    for _m, _r, _i, cand in scored[:limit]:
        b.finish(cand)
        d = cand.needs_import
        if d is not None:
            if id(d) not in edits:
                edits[id(d)] = view.moved(import_edit(nav.index, path, d, cache=by_file))
            cand.import_edit = edits[id(d)]
            if cand.import_edit is None:
                continue  # the `use` lines are being edited: no import to offer now
        out.items.append(cand)
    return out


def import_for(nav, path: str, d: Definition, text: str | None = None) -> TextEdit | None:
    """The `use` edit that imports `d` into file `path` as its text is now (`text`, when the
    workspace has not seen it yet); None when the file's `use` lines are being edited."""
    fm = nav.index.files.get(path)
    if fm is None:
        return None
    return _View(fm, text).moved(import_edit(nav.index, path, d))


def describe(nav, d: Definition) -> tuple[str, str] | None:
    """Documentation of a table or enum a completion names (markdown, plain text)."""
    root = str(getattr(nav.ws, "root", "") or "")
    where = os.path.relpath(d.path, root).replace(os.sep, "/") if root else os.path.basename(d.path)
    if d.kind == "table":
        cols = nav.columns(d)
        lines = []
        for col in cols[:40]:
            extra = " pk" if col.is_pk else ""
            lines.append(f"{col.name.text} {col.type_text}{extra}".rstrip())
        more = f"\n… {len(cols) - 40} more" if len(cols) > 40 else ""
        body = "\n".join(lines) + more
        return (f"**Table {display(d.key)}** — `{where}`\n```dbmt\n{body}\n```",
                f"Table {display(d.key)} ({where})\n{body}")
    if d.kind == "enum":
        vs = [v.name.text for v in d.element.values]
        return (f"**Enum {display(d.key)}** — `{where}`\n\n" + ", ".join(f"`{v}`" for v in vs),
                f"Enum {display(d.key)} ({where})\n" + ", ".join(vs))
    if d.kind in ("group", "partial"):
        word = "TableGroup" if d.kind == "group" else "TablePartial"
        return (f"**{word} {d.key}** — `{where}`", f"{word} {d.key} ({where})")
    return None
