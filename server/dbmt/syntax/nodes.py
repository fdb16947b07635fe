"""The syntax model of one file: typed elements of DBML and dbmt, each with exact offsets.

Every node carries `start`/`end` character offsets into its file's text (line and column are
derived on demand through `positions.LineIndex`, which keeps nodes small). Names carry their own
range, so definition, references and rename can point at exactly the identifier.
"""

from __future__ import annotations


class Node:
    """Base of every node: `start`/`end` character offsets (most nodes store both; a name
    stores its start and derives its end, a dotted name reads both from its parts)."""

    __slots__ = ()

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        fields = ", ".join(
            f"{k}={getattr(self, k)!r}" for k in type(self).__slots__ if k not in ("start", "end")
        )
        return f"{type(self).__name__}({fields} @{self.start}-{self.end})"


class Ranged(Node):
    # Subclasses assign start/end themselves: a super().__init__ call per node was a twentieth
    # of interpreting a big workspace.
    __slots__ = ("start", "end")

    def __init__(self, start: int, end: int):
        self.start = start
        self.end = end


class Name(Node):
    """One identifier, unquoted (`"my table"` → `my table`), with its own range.

    Its end is not stored: it is its start plus the length of its text plus what its source
    had besides (quotes, escapes; for a generated name, the difference from the range it is
    given), kept with the quoted flag in one small int. An offset past 256 is an int object of
    its own, and names are the most numerous nodes (654,000 of them at 20,000 tables)."""

    __slots__ = ("start", "text", "_x")

    def __init__(self, text: str, start: int, end: int, quoted: bool = False):
        self.start = start
        self.text = text
        self._x = ((end - start - len(text)) << 1) | quoted

    @property
    def end(self) -> int:
        return self.start + len(self.text) + (self._x >> 1)

    @end.setter
    def end(self, value: int) -> None:
        self._x = ((value - self.start - len(self.text)) << 1) | (self._x & 1)

    @property
    def quoted(self) -> bool:
        return bool(self._x & 1)


class QualifiedName(tuple, Node):
    """A dotted name: `users`, `core.users`, `core.users.id`, `Enum.Variant` — the tuple of its
    parts itself (no object around a tuple: 320,000 of them at 20,000 tables). Its range is its
    parts' (not stored: it moves with them). Compared and hashed as a tuple of its parts, which
    compare by identity: two dotted names are equal when they hold the same name nodes."""

    __slots__ = ()

    @property
    def parts(self) -> tuple[Name, ...]:
        return self

    @property
    def start(self) -> int:
        return self[0].start

    @property
    def end(self) -> int:
        return self[-1].end

    @property
    def text(self) -> str:
        return self[0].text if len(self) == 1 else ".".join(p.text for p in self)

    @property
    def last(self) -> Name:
        return self[-1]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"QualifiedName({self.text!r} @{self.start}-{self.end})"


def schema_and_name(qn: QualifiedName) -> tuple[str, str]:
    """`core.users` → ('core', 'users'); bare `users` → ('public', 'users')."""
    if len(qn.parts) >= 2:
        return qn.parts[-2].text, qn.parts[-1].text
    return "public", qn.parts[0].text


class Value(Ranged):
    """A literal or name used as a value. kind: string, number, boolean, null, expression,
    identifier, color, other. `text` is the content (strings unquoted and unescaped)."""

    __slots__ = ("kind", "text", "qname")

    def __init__(self, kind: str, text: str, start: int, end: int, qname: QualifiedName | None = None):
        self.start = start
        self.end = end
        self.kind = kind
        self.text = text
        self.qname = qname


class MarkArg(Ranged):
    """One argument of a mark. kind: identifier, dotted, integer, string."""

    __slots__ = ("text", "kind")

    def __init__(self, text: str, kind: str, start: int, end: int):
        self.start = start
        self.end = end
        self.text = text
        self.kind = kind


class Mark(Ranged):
    """`%name arg …`: a dbmt annotation (§2). placement: block, column or misplaced."""

    __slots__ = ("name", "name_end", "args", "placement", "bad_args")

    def __init__(self, name: str, start: int, name_end: int, end: int, args: list[MarkArg],
                 placement: str, bad_args: list[tuple[int, int, str]]):
        self.start = start
        self.end = end
        self.name = name
        self.name_end = name_end
        self.args = args
        self.placement = placement
        self.bad_args = bad_args


class Setting(Ranged):
    """One entry of a `[ … ]` list: `pk`, `not null`, `default: 1`, `ref: > users.id`."""

    # The key starts the entry; its end is the entry's start plus the key's length plus what
    # the source had besides (a second blank in `not  null`), one small int: an offset past
    # 256 is an int object of its own, and settings are many (280,000 at 20,000 tables).
    __slots__ = ("key", "_kx", "value", "ref")

    def __init__(self, key: str, start: int, end: int, key_start: int, key_end: int,
                 value: Value | None = None, ref: "InlineRef | None" = None):
        assert key_start == start, "a setting's key starts it"
        self.start = start
        self.end = end
        self.key = key
        self._kx = key_end - start - len(key)
        self.value = value
        self.ref = ref

    @property
    def key_start(self) -> int:
        return self.start

    @property
    def key_end(self) -> int:
        return self.start + len(self.key) + self._kx


def find_setting(settings: list[Setting], key: str) -> Setting | None:
    for s in settings:
        if s.key == key:
            return s
    return None


class Endpoint(Ranged):
    """One side of a relationship: `schema.table.col` or `table.(c1, c2)`."""

    __slots__ = ("table", "columns")

    def __init__(self, table: QualifiedName | None, columns: list[Name], start: int, end: int):
        self.start = start
        self.end = end
        self.table = table
        self.columns = columns


class InlineRef(Ranged):
    """`ref: > users.id` in a column's settings; the column itself is the other endpoint."""

    __slots__ = ("op", "target")

    def __init__(self, op: str, target: Endpoint, start: int, end: int):
        self.start = start
        self.end = end
        self.op = op
        self.target = target


class TypeRef(Ranged):
    """A column type: `int`, `varchar(255)`, `core.status`, `int[]`, `"double precision"`."""

    __slots__ = ("qname", "args", "array", "text")

    def __init__(self, qname: QualifiedName, args: str | None, array: int, text: str, start: int, end: int):
        self.start = start
        self.end = end
        self.qname = qname
        self.args = args
        self.array = array
        self.text = text


class Column(Ranged):
    __slots__ = ("name", "type", "settings", "marks", "generated_from", "injected_from")

    def __init__(self, name: Name, type_: TypeRef | None, settings: list[Setting], marks: list[Mark],
                 start: int, end: int):
        self.start = start
        self.end = end
        self.name = name
        self.type = type_
        self.settings = settings
        self.marks = marks
        self.generated_from = None  # a Mark, for columns that %extension generates
        self.injected_from = None   # a TablePartial name, for columns injected by ~partial

    def setting(self, key: str) -> Setting | None:
        return find_setting(self.settings, key)

    @property
    def is_pk(self) -> bool:
        return any(s.key in ("pk", "primary key") for s in self.settings)

    @property
    def type_text(self) -> str:
        return self.type.text if self.type else ""


class IndexEntry(Ranged):
    """One line of `indexes { … }`: columns and/or backtick expressions, then settings."""

    __slots__ = ("columns", "expressions", "settings")

    def __init__(self, columns: list[Name], expressions: list[Value], settings: list[Setting], start: int, end: int):
        self.start = start
        self.end = end
        self.columns = columns
        self.expressions = expressions
        self.settings = settings


class CheckEntry(Ranged):
    """One line of `checks { … }`: a backtick expression and optional settings (name)."""

    __slots__ = ("expression", "settings")

    def __init__(self, expression: Value, settings: list[Setting], start: int, end: int):
        self.start = start
        self.end = end
        self.expression = expression
        self.settings = settings


class Records(Ranged):
    """`Records table(cols) { rows }` (top level) or `Records (cols) { … }` inside a table."""

    __slots__ = ("table", "columns", "rows")

    def __init__(self, table: QualifiedName | None, columns: list[Name], rows: list[list[Value]], start: int, end: int):
        self.start = start
        self.end = end
        self.table = table
        self.columns = columns
        self.rows = rows


class Span(Ranged):
    """A stretch of text with no structure of its own: a nested `{ … }` body (`indexes`,
    `checks`, `Records`, `Note`) that editors fold."""

    __slots__ = ()

    def __init__(self, start: int, end: int):
        self.start = start
        self.end = end


class Element(Ranged):
    """Base of top-level elements: a keyword, a name and a body range. `blocks`: the nested
    `{ … }` bodies of its members (an empty tuple when there are none)."""

    __slots__ = ("keyword", "name", "settings", "marks", "notes", "body_start", "body_end", "blocks")

    kind = "element"

    def __init__(self, keyword: str, name: QualifiedName | None, start: int, end: int):
        self.start = start
        self.end = end
        self.keyword = keyword
        self.name = name
        self.settings: list[Setting] = []
        self.marks: list[Mark] = []
        self.notes: list[Value] = []
        self.body_start = end
        self.body_end = end
        self.blocks: list[Span] | tuple = ()

    def add_block(self, start: int, end: int) -> None:
        if not self.blocks:
            self.blocks = []
        self.blocks.append(Span(start, end))


class Table(Element):
    __slots__ = ("alias", "columns", "indexes", "checks", "records", "injections", "generated_for")
    kind = "table"

    def __init__(self, keyword, name, start, end):
        super().__init__(keyword, name, start, end)
        self.generated_for: "Table | None" = None  # the base table, for events tables %events_clone generates
        self.alias: Name | None = None
        self.columns: list[Column] = []
        self.indexes: list[IndexEntry] = []
        self.checks: list[CheckEntry] = []
        self.records: list[Records] = []
        self.injections: list[Name] = []  # ~partial names, in order

    def column(self, name: str) -> Column | None:
        for c in self.columns:
            if c.name.text == name:
                return c
        return None


class TablePartial(Table):
    __slots__ = ()
    kind = "partial"


class EnumValue(Ranged):
    __slots__ = ("name", "settings")

    def __init__(self, name: Name, settings: list[Setting], start: int, end: int):
        self.start = start
        self.end = end
        self.name = name
        self.settings = settings


class Enum(Element):
    __slots__ = ("values",)
    kind = "enum"

    def __init__(self, keyword, name, start, end):
        super().__init__(keyword, name, start, end)
        self.values: list[EnumValue] = []

    def value(self, name: str) -> EnumValue | None:
        for v in self.values:
            if v.name.text == name:
                return v
        return None


class Relationship(Ranged):
    """`left op right [settings]`, the body of a `Ref`."""

    __slots__ = ("left", "op", "op_start", "right", "settings")

    def __init__(self, left: Endpoint, op: str, op_start: int, right: Endpoint, settings: list[Setting], start: int, end: int):
        self.start = start
        self.end = end
        self.left = left
        self.op = op
        self.op_start = op_start
        self.right = right
        self.settings = settings


class Ref(Element):
    __slots__ = ("relationships",)
    kind = "ref"

    def __init__(self, keyword, name, start, end):
        super().__init__(keyword, name, start, end)
        self.relationships: list[Relationship] = []


class TableGroup(Element):
    __slots__ = ("tables",)
    kind = "group"

    def __init__(self, keyword, name, start, end):
        super().__init__(keyword, name, start, end)
        self.tables: list[QualifiedName] = []


class Project(Element):
    __slots__ = ("fields",)
    kind = "project"

    def __init__(self, keyword, name, start, end):
        super().__init__(keyword, name, start, end)
        self.fields: dict[str, Value] = {}


class StickyNote(Element):
    __slots__ = ()
    kind = "note"


class RecordsElement(Element):
    __slots__ = ("records",)
    kind = "records"

    def __init__(self, keyword, name, start, end, records: Records | None = None):
        super().__init__(keyword, name, start, end)
        self.records = records


class DiagramView(Element):
    __slots__ = ("members",)
    kind = "diagramview"

    def __init__(self, keyword, name, start, end):
        super().__init__(keyword, name, start, end)
        self.members: list[tuple[str, list[QualifiedName]]] = []


class GenericElement(Element):
    """Elements dbmt accepts but does not interpret further (`Metadata`, `Dep`)."""

    __slots__ = ()
    kind = "generic"


class UseSpecifier(Ranged):
    """`table core.users as u` inside `use { … }`."""

    __slots__ = ("kind_word", "qname", "alias")

    def __init__(self, kind_word: str, qname: QualifiedName, alias: Name | None, start: int, end: int):
        self.start = start
        self.end = end
        self.kind_word = kind_word
        self.qname = qname
        self.alias = alias


class Use(Element):
    """`use * from './base'`, `use { table a, enum b as c } from '../x'`, or `reuse …`."""

    __slots__ = ("wildcard", "specifiers", "path")
    kind = "use"

    def __init__(self, keyword, start, end):
        super().__init__(keyword, None, start, end)
        self.wildcard = False
        self.specifiers: list[UseSpecifier] = []
        self.path: Value | None = None


class Comment(Ranged):
    __slots__ = ("text",)

    def __init__(self, text: str, start: int, end: int):
        self.start = start
        self.end = end
        self.text = text


class SyntaxError_(Ranged):
    """A DBMT001 (or mark-shape) problem found while parsing; code says which."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str, start: int, end: int):
        self.start = start
        self.end = end
        self.code = code
        self.message = message


# -- moving a parsed element ----------------------------------------------------------------
# After an edit, the elements of a file that lie after the changed stretch keep their parse and
# only move (syntax.parse_text with `previous`). Offsets live in these attributes; children in
# the others listed (a node, a list or dict of nodes, or nested lists/tuples of them).
_OFFSETS = ("start", "end", "name_end", "key_start", "key_end", "op_start", "body_start", "body_end")
_CHILDREN = ("name", "parts", "qname", "args", "value", "ref", "table", "columns", "target", "type",
             "settings", "marks", "expressions", "expression", "rows", "notes", "alias", "indexes",
             "checks", "records", "injections", "values", "left", "right", "relationships", "tables",
             "fields", "members", "specifiers", "path", "blocks")
_PLANS: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _plan(cls: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    plan = _PLANS.get(cls)
    if plan is None:
        slots = [s for k in cls.__mro__ for s in getattr(k, "__slots__", ())]
        plan = _PLANS[cls] = (tuple(s for s in slots if s in _OFFSETS),
                              tuple(s for s in slots if s in _CHILDREN))
    return plan


def compact(node: Node) -> None:
    """Turn every list under a finished node into a tuple: the empty ones into the one shared
    empty tuple (an empty list is 56 bytes; a loaded 20,000-table workspace held some 400,000
    of them: a column's settings, a table's checks, records, injections …), the others into a
    tuple of their length (a list grown by appends keeps spare room). Nodes are read-only once
    their chunk is interpreted; lists that grow later (generated tables, the checker's own
    models) are built elsewhere."""
    (_COMPACTORS.get(node.__class__) or _compactor(node.__class__))(node)


_COMPACTORS: dict[type, object] = {}


def _compactor(cls: type):
    """A function compacting one node class, generated from its slots: direct attribute
    access, no per-node reflection."""
    _offsets, children = _plan(cls)
    body = []
    for a in children:
        body += [f"    v = x.{a}",
                 "    t = v.__class__",
                 "    if t is list:",
                 "        for y in v:",
                 "            c = y.__class__",
                 "            if c is not tuple and c is not str and c is not list:",
                 "                (_COMPACTORS.get(c) or _compactor(c))(y)",
                 f"        x.{a} = tuple(v)",
                 "    elif t is not str and t is not int and t is not bool and t is not tuple and v is not None:",
                 "        (_COMPACTORS.get(t) or _compactor(t))(v)"]
    if cls is Mark:
        body += ["    if not x.bad_args:", "        x.bad_args = ()"]
    src = "def compact_node(x):\n" + ("\n".join(body) if body else "    pass") + "\n"
    scope = {"_COMPACTORS": _COMPACTORS, "_compactor": _compactor}
    exec(compile(src, f"<compact {cls.__name__}>", "exec"), scope)
    f = _COMPACTORS[cls] = scope["compact_node"]
    return f


def flat_plan(roots) -> tuple[list, list, list]:
    """What moving `roots` by some characters changes, flat: (nodes whose offsets are just
    start and end, [(attribute names, nodes with those offsets)] for the rest, the marks with
    bad arguments, whose places move too). Some nodes have two parents (a mark is in its
    column's list and its chunk's, a Records element's name is its records' table): each is
    listed once. A chunk keeps its plan once it has moved (ChunkSyntax.shift): a file being
    edited moves every chunk after the edit, again and again, and a pass over flat lists beats
    walking the tree each time."""
    plain: list = []
    other: dict[tuple[str, ...], list] = {}
    marks: list = []
    seen: set[int] = set()

    def walk(x) -> None:
        t = x.__class__
        if t is list or t is tuple or t is dict:
            for y in (x.values() if t is dict else x):
                if y is not None:
                    walk(y)
            return
        if t is str or t is int or id(x) in seen:
            return
        seen.add(id(x))
        offsets, children = _plan(t)
        if t is QualifiedName:  # a tuple of names: no offsets of its own
            for y in x:
                walk(y)
        elif offsets == ("start", "end"):
            plain.append(x)
        elif offsets:
            other.setdefault(offsets, []).append(x)
        if t is Mark and x.bad_args:
            marks.append(x)
        for a in children:
            v = getattr(x, a)
            if v is not None:
                walk(v)

    for r in roots:
        walk(r)
    return plain, list(other.items()), marks


def shift_flat(plan: tuple[list, list, list], d: int) -> None:
    """Move what `plan` (flat_plan) holds by d characters."""
    plain, other, marks = plan
    for x in plain:
        x.start += d
        x.end += d
    for attrs, xs in other:
        for x in xs:
            for a in attrs:
                setattr(x, a, getattr(x, a) + d)
    for x in marks:
        x.bad_args = [(s + d, e + d, t) for s, e, t in x.bad_args]


_DUMP_FIELDS = ("text", "kind", "name", "key", "op", "keyword", "placement", "code", "message",
                "quoted", "kind_word", "wildcard", "array")


def dump(x):
    """Everything a node holds, recursively, as nested tuples: class, offsets, text fields,
    children. Two parses mean the same thing at the same places when their dumps are equal
    (the incremental re-parse is tested and fuzzed against a fresh one this way)."""
    if isinstance(x, Node):
        offsets, children = _plan(type(x))
        out = [type(x).__name__, (x.start, x.end) + tuple(getattr(x, a) for a in offsets if a not in ("start", "end"))]
        for a in _DUMP_FIELDS:
            v = getattr(x, a, None)
            if isinstance(v, (str, int, bool)):
                out.append((a, v))
        if isinstance(x, Mark):
            out.append(tuple(x.bad_args))
        if isinstance(x, QualifiedName):
            out.extend(dump(p) for p in x)
        out.extend(dump(getattr(x, a)) for a in children)
        return tuple(out)
    if isinstance(x, (list, tuple)):
        return tuple(dump(v) for v in x)
    if isinstance(x, dict):
        return tuple((k, dump(v)) for k, v in x.items())
    return x
