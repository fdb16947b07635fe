"""Gives each DBML/dbmt element kind its structure: generic lines → typed nodes + DBMT001 errors.

This is where the shape of Table, Enum, Ref, TableGroup, Project, Note, TablePartial, Records,
DiagramView and use/reuse lives (the grammar only knows lines and brackets), and where marks
are placed as §2 of the language brief says: a block mark starts a member line of a Table, Enum
or TableGroup body; a column mark ends a column line. Errors name what a DBML user expected.
"""

from __future__ import annotations

import re
from sys import intern

from . import nodes as n
from .generic import Block, Group, Line, Token

MARK_NAME_RE = re.compile(r"%([a-z_][a-z0-9_]*)")
MARK_ARG_RE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|[^\s]+")
IDENT_RE = re.compile(r"[A-Za-z_]\w*\Z")
DOTTED_RE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")
INT_RE = re.compile(r"-?\d+\Z")
REL_OP_RE = re.compile(r"\??(?:<>|<|>|-)\??\Z")
ESCAPE_RE = re.compile(r"\\(\r?\n|.)", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "`": "`"}

BARE_SETTINGS = {"pk", "unique", "increment"}
ELEMENT_WORDS = "Table, Enum, Ref, TableGroup, Project, Note, TablePartial, Records, DiagramView or use"


def unescape(body: str) -> str:
    def sub(m: re.Match) -> str:
        c = m.group(1)
        if c.startswith("\n") or c.startswith("\r"):
            return ""  # line continuation
        return _ESCAPES.get(c, c)

    return ESCAPE_RE.sub(sub, body) if "\\" in body else body


def _tok(item, *types: str) -> bool:
    return type(item) is Token and item.type in types


# Token kinds tested on every column and setting: the hot paths test `type(it) is Token and
# it.type in …` inline rather than through _tok (a call per item was a tenth of interpreting).
NAMEISH = frozenset(("NAME", "QNAME"))
PARTISH = frozenset(("NAME", "QNAME", "NUMBER"))  # a part of a dotted name


def _word(item, *words: str) -> bool:
    return type(item) is Token and item.type == "NAME" and item.value.lower() in words


def describe(item) -> str:
    if type(item) is Token:
        v = item.value
        if len(v) > 30:
            v = v[:27] + "…"
        return f"'{v}'"
    if isinstance(item, Group):
        return "'('" if item.kind == "(" else "'['"
    if isinstance(item, Block):
        return "'{'"
    return "this"


class FileSyntax:
    """Everything parsed from one chunk list: elements, marks, comments, errors (absolute)."""

    __slots__ = ("elements", "errors", "marks", "comments")

    def __init__(self):
        self.elements: list[n.Element] = []
        self.errors: list[n.SyntaxError_] = []
        self.marks: list[n.Mark] = []
        self.comments: list[n.Comment] = []


class Interpreter:
    """Interprets the generic lines of one chunk at offset `base` into `out`."""

    def __init__(self, out: FileSyntax, base: int, limit: int | None = None):
        self.out = out
        self.base = base
        # The chunk's end: a `}` the repairs appended lies past it (and past a CRLF's CR there,
        # or inside the next chunk's text), so places computed from it stop at the chunk's end.
        self.limit = limit if limit is not None else 1 << 62

    # -- positions and errors ------------------------------------------------------------
    def s(self, item) -> int:
        return min(item.start + self.base, self.limit)

    def e(self, item) -> int:
        return min(item.end + self.base, self.limit)

    def error(self, message: str, start_item, end_item=None) -> None:
        end_item = start_item if end_item is None else end_item
        self.out.errors.append(n.SyntaxError_("DBMT001", message, self.s(start_item), self.e(end_item)))

    def error_at(self, message: str, start: int, end: int) -> None:
        self.out.errors.append(n.SyntaxError_("DBMT001", message, start, end))

    def glued_settings(self, prev, group, what: str) -> None:
        """A settings list written right after the previous item, with no blank between: DBML
        reads `x[…]` as one expression (an index into x), never as x and its settings, and
        rejects the line. The settings are still read, to spare later rules a cascade."""
        if prev.end == group.start:
            self.error(f"a settings list must be separated from {what} by a space: DBML reads 'x[…]' as one "
                       f"expression, not as x and its settings", group)

    # -- names and values --------------------------------------------------------------
    def name(self, tok) -> n.Name:
        base = self.base
        if tok.type == "QNAME":
            return n.Name(intern(unescape(tok.value[1:-1])), tok.start + base, tok.end + base, quoted=True)
        # Names, setting keys, type texts and numbers are interned: the same few thousand
        # strings recur in every table (one copy of `id` instead of one per column: 9 of the
        # 55 MB of objects a 2,000-table workspace keeps were duplicate strings).
        return n.Name(intern(tok.value), tok.start + base, tok.end + base)

    def qname(self, items: list, i: int) -> tuple[n.QualifiedName | None, int]:
        """Reads `a.b.c` (names or quoted names joined by dots) from items[i:]."""
        parts: list[n.Name] = []
        count = len(items)
        while i < count:
            it = items[i]
            if type(it) is not Token or it.type not in PARTISH:
                break
            parts.append(self.name(it))
            if i + 2 < count:
                dot, nxt = items[i + 1], items[i + 2]
                if (type(dot) is Token and dot.type == "DOT" and type(nxt) is Token and nxt.type in PARTISH):
                    i += 2
                    continue
            i += 1
            break
        if not parts:
            return None, i
        return n.QualifiedName(parts), i

    def value(self, items: list) -> n.Value | None:
        """A setting or field value: a literal, a name or `-3`."""
        if not items:
            return None
        first = items[0]
        start, end = first.start + self.base, items[-1].end + self.base
        if len(items) == 1 and type(first) is Token:
            t = first.type
            v = first.value
            if t == "STRING":
                return n.Value("string", unescape(v[1:-1]), start, end)
            if t == "MLSTRING":
                return n.Value("string", _dedent_multiline(unescape(v[3:-3])), start, end)
            if t == "NUMBER":
                return n.Value("number", intern(v), start, end)
            if t == "EXPR":
                return n.Value("expression", v[1:-1], start, end)
            if t == "COLOR":
                return n.Value("color", v, start, end)
            if t == "QNAME":
                # DBML reads a lone double-quoted name as a quoted string in value position
                # (`default: "Completed"`, `note: "x"`); dotted forms stay names (`"my e".a`).
                return n.Value("string", unescape(v[1:-1]), start, end)
            if t == "NAME":
                low = v.lower()
                if low in ("true", "false"):
                    return n.Value("boolean", low, start, end)
                if low == "null":
                    return n.Value("null", low, start, end)
        if len(items) == 2 and _tok(first, "OP") and first.value in ("-", "+") and _tok(items[1], "NUMBER"):
            return n.Value("number", first.value.lstrip("+") + items[1].value, start, end)
        qn, j = self.qname(items, 0)
        if qn is not None and j == len(items):
            return n.Value("identifier", qn.text, start, end, qname=qn)
        # `set null`, `no action`: several words.
        if all(_tok(it, "NAME") for it in items):
            return n.Value("identifier", " ".join(it.value for it in items), start, end)
        return n.Value("other", " ".join(getattr(it, "value", "") for it in items), start, end)

    def settings(self, group: Group) -> list[n.Setting]:
        out: list[n.Setting] = []
        base = self.base
        for entry in _split(group.items, "COMMA"):
            if not entry:
                continue
            colon = None
            for k, it in enumerate(entry):
                if type(it) is Token and it.type == "COLON":
                    colon = k
                    break
            key_items = entry if colon is None else entry[:colon]
            for it in key_items:
                if type(it) is not Token or it.type not in NAMEISH:
                    key_items = None
                    break
            if not key_items:
                self.error(f"expected a setting name, found {describe(entry[0])}", entry[0], entry[-1])
                continue
            if len(key_items) == 1:
                key = intern(key_items[0].value.lower())
            else:
                key = intern(" ".join([it.value.lower() for it in key_items]))
            start, end = entry[0].start + base, entry[-1].end + base
            # Equal offsets share one int object (an offset past 256 is an object of its own:
            # ints were the biggest share of a loaded workspace). The key starts the entry; a
            # setting with no value ends where its key does.
            ks = start
            ke = end if colon is None else key_items[-1].end + base
            if colon is None:
                out.append(n.Setting(key, start, end, ks, ke))
                continue
            rest = entry[colon + 1:]
            if not rest:
                self.error(f"expected a value after '{key}:'", entry[colon])
                out.append(n.Setting(key, start, end, ks, ke))
                continue
            if key == "ref":
                ref = self.inline_ref(rest)
                out.append(n.Setting(key, start, end, ks, ke, ref=ref))
                continue
            v = self.value(rest)
            if v is not None and v.end == end:
                v.end = end  # the value ends the entry: one int object for both
            out.append(n.Setting(key, start, end, ks, ke, value=v))
        return out

    def inline_ref(self, items: list) -> n.InlineRef | None:
        if not (_tok(items[0], "OP") and REL_OP_RE.match(items[0].value)):
            self.error(f"expected a relationship operator ('<', '>', '-' or '<>') after 'ref:', found {describe(items[0])}", items[0])
            return None
        target = self.endpoint(items[1:], items[0], same_table_ok=True)
        if target is None:
            return None
        return n.InlineRef(items[0].value, target, self.s(items[0]), self.e(items[-1]))

    def endpoint(self, items: list, after, same_table_ok: bool = False) -> n.Endpoint | None:
        """`table.col`, `schema.table.col`, `table.(a, b)`."""
        if not items:
            self.error("expected a column like 'table.column'", after)
            return None
        qn, j = self.qname(items, 0)
        if qn is None:
            self.error(f"expected a column like 'table.column', found {describe(items[0])}", items[0])
            return None
        start, end = self.s(items[0]), self.e(items[j - 1])
        if j + 1 < len(items) and _tok(items[j], "DOT") and isinstance(items[j + 1], Group) and items[j + 1].kind == "(":
            cols = [self.name(t) for t in items[j + 1].items if _tok(t, "NAME", "QNAME")]
            end = self.e(items[j + 1])
            j += 2
            if j < len(items):
                self.error(f"unexpected {describe(items[j])} after the column list", items[j], items[-1])
            return n.Endpoint(qn, cols, start, end)
        if j < len(items):
            self.error(f"unexpected {describe(items[j])} in a column reference", items[j], items[-1])
        if len(qn.parts) < 2:
            if same_table_ok:
                return n.Endpoint(None, [qn.parts[0]], start, end)
            self.error(f"expected 'table.column', found only '{qn.text}'", items[0], items[j - 1])
            return n.Endpoint(None, [qn.parts[0]], start, end)
        table = n.QualifiedName(qn.parts[:-1])
        return n.Endpoint(table, [qn.parts[-1]], start, end)

    def note_of(self, line: Line) -> n.Value | None:
        """`Note: 'x'` or `Note { 'x' }` → the note's string value."""
        if line.block is not None:
            strings = [it for ln in line.block.lines for it in ln.items if _tok(it, "STRING", "MLSTRING")]
            if not strings:
                self.error("expected a string in the note's body", line.block)
                return None
            return self.value([strings[0]])
        rest = line.items[2:] if len(line.items) > 1 and _tok(line.items[1], "COLON") else []
        if not rest:
            self.error("expected a string after 'Note:'", line.items[0])
            return None
        return self.value(rest)

    # -- marks --------------------------------------------------------------------------
    def mark(self, tok: Token, placement: str) -> n.Mark:
        text = tok.value
        start = self.s(tok)
        m = MARK_NAME_RE.match(text)
        name = m.group(1)
        args: list[n.MarkArg] = []
        bad: list[tuple[int, int, str]] = []
        for am in MARK_ARG_RE.finditer(text, m.end()):
            a = am.group()
            s, e = start + am.start(), start + am.end()
            if a[0] in "'\"":
                args.append(n.MarkArg(a[1:-1], "string", s, e))
            elif INT_RE.match(a):
                args.append(n.MarkArg(a, "integer", s, e))
            elif IDENT_RE.match(a):
                args.append(n.MarkArg(a, "identifier", s, e))
            elif DOTTED_RE.match(a):
                args.append(n.MarkArg(a, "dotted", s, e))
            else:
                bad.append((s, e, a))
        mk = n.Mark(name, start, start + m.end(), self.e(tok), args, placement, bad)
        self.out.marks.append(mk)
        return mk

    def stray_marks(self, items: list, where: str) -> None:
        """Marks where §2 puts none: recorded as misplaced (DBMT107 is reported by the checker)."""
        for it in items:
            if _tok(it, "MARK"):
                mk = self.mark(it, "misplaced")
                mk.placement = "misplaced:" + where

    # -- top level -----------------------------------------------------------------------
    def top_lines(self, lines: list) -> None:
        """The top-level lines of a chunk. DBML lets every element open its body on the next
        line (`Project shop` then `{` alone on a line; a chunk keeps the two together, see
        blocks.iter_chunks): such a pair is one element line. Inside bodies DBML does not
        (`indexes` then `{` is two bad lines there too)."""
        i, count = 0, len(lines)
        while i < count:
            line = lines[i]
            if (i + 1 < count and line.items and line.block is None
                    and not lines[i + 1].items and lines[i + 1].block is not None):
                nxt = lines[i + 1]
                line = Line(line.items, nxt.block, nxt.after, line.start, nxt.end)
                i += 1
            self.top(line)
            i += 1

    def top(self, line: Line) -> None:
        items = line.items
        if not items:
            self.error(f"expected an element ({ELEMENT_WORDS}) before '{{'", line.block)
            return
        head = items[0]
        if _tok(head, "MARK"):
            self.stray_marks(items, "top level")
            if len(items) > 1 or line.block is not None:
                self.error("unexpected text after a mark", items[1] if len(items) > 1 else line.block)
            return
        if not _tok(head, "NAME"):
            self.error(f"expected an element ({ELEMENT_WORDS}), found {describe(head)}", head, items[-1])
            return
        kw = head.value.lower()
        handler = TOP_LEVEL.get(kw)
        if handler is None:
            hint = ""
            if line.block is None and len(items) > 1:
                hint = " (a column must be inside a Table's braces)"
            self.error(f"unknown element '{head.value}': expected {ELEMENT_WORDS}{hint}", head)
            self.stray_marks(items, "top level")
            return
        handler(self, line)

    def header(self, line: Line, element_word: str, allow_alias: bool = False,
               need_name: bool = True) -> tuple[n.QualifiedName | None, n.Name | None, list[n.Setting], int]:
        """Reads `Keyword name [as alias] [settings]` and returns the index of the body's `:`
        (or len(items))."""
        items = line.items
        i = 1
        qn, i = self.qname(items, i)
        alias = None
        if qn is None and need_name and i < len(items) and not _tok(items[i], "COLON") and not isinstance(items[i], Group):
            self.error(f"expected a name after '{items[0].value}', found {describe(items[i])}", items[i])
        elif qn is None and need_name and line.block is not None and i >= len(items):
            self.error(f"expected a name after '{items[0].value}'", items[0])
        if i < len(items) and _word(items[i], "as"):
            if not allow_alias:
                self.error(f"a {element_word} cannot have an alias", items[i])
            if i + 1 < len(items) and _tok(items[i + 1], "NAME", "QNAME"):
                alias = self.name(items[i + 1])
                i += 2
            else:
                self.error("expected an alias name after 'as'", items[i])
                i += 1
        settings: list[n.Setting] = []
        if i < len(items) and isinstance(items[i], Group) and items[i].kind == "[":
            if i > 1:
                self.glued_settings(items[i - 1], items[i], f"the {element_word}'s name")
            settings = self.settings(items[i])
            i += 1
        if i < len(items) and not _tok(items[i], "COLON"):
            self.error(f"unexpected {describe(items[i])} in the {element_word} header: expected '{{'", items[i], items[-1])
            self.stray_marks(items[i:], f"{element_word} header")
            i = len(items)
        return qn, alias, settings, i

    def element_end(self, line: Line) -> int:
        last = line.after[-1] if line.after else (line.block if line.block is not None else line.items[-1])
        return self.e(last)

    def require_block(self, line: Line, what: str) -> bool:
        if line.block is None:
            self.error(f"expected '{{' to open the body of {what}", line.items[-1])
            return False
        if line.after:
            self.error(f"unexpected {describe(line.after[0])} after the closing '}}'", line.after[0], line.after[-1])
        return True

    def _start(self, kw: str, cls, line: Line, element_word: str, alias: bool = False, need_name: bool = True):
        qn, al, settings, _ = self.header(line, element_word, allow_alias=alias, need_name=need_name)
        el = cls(intern(kw), qn, self.s(line.items[0]), self.element_end(line))
        el.settings = settings
        if alias:
            el.alias = al
        if line.block is not None:
            el.body_start = self.s(line.block)
            el.body_end = self.e(line.block)
        return el

    def table(self, line: Line, cls=n.Table, word="Table") -> None:
        t = self._start(line.items[0].value, cls, line, word, alias=(cls is n.Table))
        if t.name is None:
            self.error(f"expected a name after '{line.items[0].value}'", line.items[0])
        if self.require_block(line, f"the {word}"):
            for ml in line.block.lines:
                self.table_member(t, ml)
        self.out.elements.append(t)

    def table_member(self, t: n.Table, line: Line) -> None:
        items = line.items
        if not items:
            self.error("unexpected '{' in a table body", line.block)
            return
        head = items[0]
        kind = head.type if type(head) is Token else None
        if kind == "MARK":
            t.marks.append(self.mark(head, "block"))
            self.stray_marks(items[1:], "table body")
            return
        word = head.value.lower() if kind == "NAME" else None
        if line.block is not None and word in ("note", "indexes", "checks", "records"):
            t.add_block(self.s(line.block), self.e(line.block))
        if word == "note" and (line.block is not None or (len(items) > 1 and _tok(items[1], "COLON"))):
            v = self.note_of(line)
            if v is not None:
                t.notes.append(v)
            return
        if word == "indexes" and line.block is not None and len(items) == 1:
            for il in line.block.lines:
                self.index_line(t, il)
            return
        if word == "checks" and line.block is not None and len(items) == 1:
            for cl in line.block.lines:
                self.check_line(t, cl)
            return
        if word == "records" and line.block is not None:
            t.records.append(self.records(line, in_table=True))
            return
        if kind == "TILDE":
            if t.kind == "partial":
                # DBML injects partials into Tables only ("A column must have a type" there).
                self.error("a TablePartial cannot inject another TablePartial: '~' works in a Table's body only",
                           head, items[-1])
                return
            if len(items) >= 2 and _tok(items[1], "NAME", "QNAME"):
                t.injections.append(self.name(items[1]))
                if len(items) > 2:
                    self.error(f"unexpected {describe(items[2])} after the partial's name", items[2], items[-1])
            else:
                self.error("expected a TablePartial name after '~'", head)
            return
        self.column(t, line)

    def column(self, t: n.Table, line: Line) -> None:
        items = line.items
        count = len(items)
        base = self.base
        head = items[0]
        if line.block is not None:
            self.error(f"unexpected '{{' after {describe(head)}: a column has no body", line.block)
        if type(head) is not Token or head.type not in PARTISH:
            self.error(f"expected a column name, found {describe(head)}", head, items[-1])
            self.stray_marks(items, "table body")
            return
        name = self.name(head)
        i = 1
        if i >= count or type(items[i]) is not Token or items[i].type not in NAMEISH:
            if i >= len(items):
                self.error(f"expected a column type after '{name.text}'", head)
            else:
                self.error(f"expected a column type after '{name.text}', found {describe(items[i])}", items[i])
            col = n.Column(name, None, [], [], self.s(head), self.e(items[-1]))
            for it in items[i:]:
                if isinstance(it, Group) and it.kind == "[":
                    col.settings = self.settings(it)
                elif _tok(it, "MARK"):
                    col.marks.append(self.mark(it, "column"))
            t.columns.append(col)
            return
        type_start = items[i]
        qn, i = self.qname(items, i)
        args = None
        array = 0
        type_end = items[i - 1]
        it = items[i] if i < count else None
        if type(it) is Group and it.kind == "(":
            args = "".join(_raw(x) for x in it.items)
            type_end = it
            i += 1
            it = items[i] if i < count else None
        while type(it) is Group and it.kind == "[" and (
                not it.items or (len(it.items) == 1 and _tok(it.items[0], "NUMBER"))):
            array += 1
            type_end = it
            i += 1
            it = items[i] if i < count else None
        ttext = qn.text
        if args is not None:
            ttext += f"({args})"
        if array:
            ttext += "[]" * array
        # The type starts at its name's first part and, with no arguments or brackets, ends
        # at its last: the same offsets, shared.
        tref = n.TypeRef(qn, args, array, intern(ttext), qn.start,
                         qn.end if args is None and not array else type_end.end + base)
        settings: list[n.Setting] = []
        marks: list[n.Mark] = []
        if type(it) is Group and it.kind == "[":
            self.glued_settings(items[i - 1], it, f"the type of column '{name.text}'")
            settings = self.settings(it)
            i += 1
        # DBML's old syntax: `id int PK unique`, settings without brackets.
        while i < count and _tok(items[i], "NAME") and items[i].value.lower() in BARE_SETTINGS:
            settings.append(n.Setting(intern(items[i].value.lower()), self.s(items[i]), self.e(items[i]), self.s(items[i]), self.e(items[i])))
            i += 1
        while i < count and _tok(items[i], "MARK"):
            marks.append(self.mark(items[i], "column"))
            i += 1
        if i < count:
            bad = items[i]
            if _tok(bad, "NAME") and not settings and not marks:
                msg = (f"unexpected {describe(bad)} after the type of column '{name.text}': "
                       f"a type with spaces must be quoted, like \"double precision\"")
            else:
                msg = f"unexpected {describe(bad)} after column '{name.text}': expected settings '[…]', a mark or the end of the line"
            self.error(msg, bad, items[-1])
            self.stray_marks(items[i:], "column line")
        cs, ce = self.s(head), self.e(items[-1])
        t.columns.append(n.Column(name, tref, settings, marks, name.start if cs == name.start else cs,
                                  tref.end if ce == tref.end else ce))

    def index_line(self, t: n.Table, line: Line) -> None:
        items = line.items
        if not items:
            return
        cols: list[n.Name] = []
        exprs: list[n.Value] = []
        settings: list[n.Setting] = []
        i = 0
        first = items[0]
        if isinstance(first, Group) and first.kind == "(":
            for part in _split(first.items, "COMMA"):
                if len(part) == 1 and _tok(part[0], "NAME", "QNAME"):
                    cols.append(self.name(part[0]))
                elif len(part) == 1 and _tok(part[0], "EXPR"):
                    exprs.append(self.value(part))
                elif part:
                    self.error(f"expected a column name or `expression` in the index, found {describe(part[0])}", part[0], part[-1])
            i = 1
        elif _tok(first, "NAME", "QNAME"):
            # `id name` without parentheses is DBML's old composite-index syntax.
            while i < len(items) and _tok(items[i], "NAME", "QNAME"):
                cols.append(self.name(items[i]))
                i += 1
        elif _tok(first, "EXPR"):
            exprs.append(self.value([first]))
            i = 1
        else:
            self.error(f"expected an index: a column, `expression` or (col1, col2), found {describe(first)}", first, items[-1])
            return
        if i < len(items) and isinstance(items[i], Group) and items[i].kind == "[":
            self.glued_settings(items[i - 1], items[i], "the index")
            settings = self.settings(items[i])
            i += 1
        if i < len(items):
            self.error(f"unexpected {describe(items[i])} in the index", items[i], items[-1])
            self.stray_marks(items[i:], "indexes")
        t.indexes.append(n.IndexEntry(cols, exprs, settings, self.s(first), self.e(items[-1])))

    def check_line(self, t: n.Table, line: Line) -> None:
        items = line.items
        if not items:
            return
        if not _tok(items[0], "EXPR"):
            self.error(f"expected a check `expression`, found {describe(items[0])}", items[0], items[-1])
            return
        settings = []
        if len(items) > 1 and isinstance(items[1], Group) and items[1].kind == "[":
            settings = self.settings(items[1])
        if len(items) > (2 if settings else 1):
            self.error("unexpected text after the check", items[-1])
        t.checks.append(n.CheckEntry(self.value([items[0]]), settings, self.s(items[0]), self.e(items[-1])))

    def records(self, line: Line, in_table: bool) -> n.Records:
        items = line.items
        i = 1
        table = None
        if not in_table:
            table, i = self.qname(items, 1)
        cols: list[n.Name] = []
        if i < len(items) and isinstance(items[i], Group) and items[i].kind == "(":
            cols = [self.name(t) for t in items[i].items if _tok(t, "NAME", "QNAME")]
            i += 1
        rows: list[list[n.Value]] = []
        if line.block is not None:
            for rl in line.block.lines:
                row = []
                for part in _split(rl.items, "COMMA"):
                    v = self.value(part) if part else None
                    if v is not None:
                        row.append(v)
                rows.append(row)
        return n.Records(table, cols, rows, self.s(items[0]), self.element_end(line))

    def enum(self, line: Line) -> None:
        en = self._start(line.items[0].value, n.Enum, line, "Enum")
        if en.name is None:
            self.error("expected a name after 'Enum'", line.items[0])
        if self.require_block(line, "the Enum"):
            values = en.values
            for ml in line.block.lines:
                items = ml.items
                if not items:
                    continue
                head = items[0]
                if len(items) == 1 and type(head) is Token and head.type == "NAME":
                    # A plain value on its line, by far the most common: what the general path
                    # below makes of it, without its tests (an enum may hold 100,000 values).
                    values.append(n.EnumValue(self.name(head), [], self.s(head), self.e(head)))
                    continue
                if _tok(head, "MARK"):
                    en.marks.append(self.mark(head, "block"))
                    continue
                if _word(head, "note") and len(items) > 1 and _tok(items[1], "COLON"):
                    v = self.note_of(ml)
                    if v is not None:
                        en.notes.append(v)
                    continue
                if not _tok(head, "NAME", "QNAME", "NUMBER"):
                    self.error(f"expected an enum value, found {describe(head)}", head, items[-1])
                    continue
                if _tok(head, "NUMBER"):
                    # DBML: "An enum field must be an identifier or a quoted identifier" (`2a`
                    # is a name, `1` and `1.5` are numbers). Kept as a value, to spare the
                    # lines that use it a second error.
                    self.error(f"an enum value must be a name or a quoted name, not the number {head.value} "
                               f"(quote it: \"{head.value}\")", head)
                settings = []
                j = 1
                if j < len(items) and isinstance(items[j], Group) and items[j].kind == "[":
                    self.glued_settings(head, items[j], "the enum value")
                    settings = self.settings(items[j])
                    j += 1
                if j < len(items):
                    self.error(f"unexpected {describe(items[j])} after enum value '{head.value}': one value per line", items[j], items[-1])
                    self.stray_marks(items[j:], "enum value")
                en.values.append(n.EnumValue(self.name(head), settings, self.s(head), self.e(items[-1])))
        self.out.elements.append(en)

    def ref(self, line: Line) -> None:
        items = line.items
        qn, _, settings, colon = self.header(line, "Ref", need_name=False)
        r = n.Ref(items[0].value, qn, self.s(items[0]), self.element_end(line))
        r.settings = settings
        if colon < len(items):
            rel_items = items[colon + 1:]
            if not rel_items:
                self.error("expected a relationship after 'Ref:', like 'a.id < b.a_id'", items[colon])
            else:
                rel = self.relationship(rel_items)
                if rel:
                    r.relationships.append(rel)
        elif line.block is not None:
            for rl in line.block.lines:
                if rl.items:
                    rel = self.relationship(rl.items)
                    if rel:
                        r.relationships.append(rel)
        else:
            self.error("expected ':' or '{' after 'Ref'", items[-1])
        if not r.relationships and (colon < len(items) or line.block is not None) and line.block is not None and not line.block.lines:
            self.error("expected a relationship in the Ref's body", line.block)
        self.out.elements.append(r)

    def relationship(self, items: list) -> n.Relationship | None:
        op_at = next((k for k, it in enumerate(items) if _tok(it, "OP") and REL_OP_RE.match(it.value)), None)
        if op_at is None:
            self.error("expected a relationship operator ('<', '>', '-' or '<>')", items[0], items[-1])
            self.stray_marks(items, "Ref")
            return None
        left = self.endpoint(items[:op_at], items[0]) if op_at > 0 else None
        if op_at == 0:
            self.error("expected a column before the relationship operator", items[0])
        rest = items[op_at + 1:]
        settings: list[n.Setting] = []
        if rest and isinstance(rest[-1], Group) and rest[-1].kind == "[":
            if len(rest) > 1:
                self.glued_settings(rest[-2], rest[-1], "the relationship's endpoint")
            settings = self.settings(rest[-1])
            rest = rest[:-1]
        right = self.endpoint(rest, items[op_at])
        self.stray_marks(items, "Ref")
        if left is None or right is None:
            return None
        return n.Relationship(left, items[op_at].value, self.s(items[op_at]), right, settings, self.s(items[0]), self.e(items[-1]))

    def table_group(self, line: Line) -> None:
        g = self._start(line.items[0].value, n.TableGroup, line, "TableGroup")
        if g.name is None:
            self.error("expected a name after 'TableGroup'", line.items[0])
        if self.require_block(line, "the TableGroup"):
            for ml in line.block.lines:
                items = ml.items
                if not items:
                    continue
                head = items[0]
                if _tok(head, "MARK"):
                    g.marks.append(self.mark(head, "block"))
                    continue
                if _word(head, "note") and (ml.block is not None or (len(items) > 1 and _tok(items[1], "COLON"))):
                    if ml.block is not None:
                        g.add_block(self.s(ml.block), self.e(ml.block))
                    v = self.note_of(ml)
                    if v is not None:
                        g.notes.append(v)
                    continue
                qn, j = self.qname(items, 0)
                if qn is None:
                    self.error(f"expected a table name, found {describe(head)}", head, items[-1])
                    continue
                if j < len(items):
                    self.error(f"unexpected {describe(items[j])} after table '{qn.text}': one table per line", items[j], items[-1])
                    self.stray_marks(items[j:], "TableGroup member")
                g.tables.append(qn)
        self.out.elements.append(g)

    def project(self, line: Line) -> None:
        p = self._start(line.items[0].value, n.Project, line, "Project", need_name=False)
        if self.require_block(line, "the Project"):
            for ml in line.block.lines:
                items = ml.items
                if not items:
                    continue
                head = items[0]
                if _word(head, "note"):
                    if ml.block is not None:
                        p.add_block(self.s(ml.block), self.e(ml.block))
                    v = self.note_of(ml)
                    if v is not None:
                        p.notes.append(v)
                    continue
                if _tok(head, "NAME") and len(items) > 2 and _tok(items[1], "COLON"):
                    v = self.value(items[2:])
                    if v is not None:
                        p.fields[head.value.lower()] = v
                    continue
                self.stray_marks(items, "Project")
                self.error(f"expected a 'key: value' field or a Note in the Project, found {describe(head)}", head, items[-1])
        self.out.elements.append(p)

    def sticky_note(self, line: Line) -> None:
        items = line.items
        el = self._start(items[0].value, n.StickyNote, line, "Note")
        if self.require_block(line, "the Note"):
            v = self.note_of(line)
            if v is not None:
                el.notes.append(v)
        self.out.elements.append(el)

    def top_records(self, line: Line) -> None:
        rec = self.records(line, in_table=False)
        if rec.table is None:
            self.error("expected a table name after 'Records'", line.items[0])
        self.require_block(line, "the Records")
        el = n.RecordsElement(line.items[0].value, rec.table, self.s(line.items[0]), self.element_end(line), rec)
        if line.block is not None:
            el.body_start, el.body_end = self.s(line.block), self.e(line.block)
        self.out.elements.append(el)

    def diagram_view(self, line: Line) -> None:
        dv = self._start(line.items[0].value, n.DiagramView, line, "DiagramView")
        if self.require_block(line, "the DiagramView"):
            for ml in line.block.lines:
                if not ml.items:
                    continue
                head = ml.items[0]
                if not _word(head, "tables", "notes", "tablegroups", "schemas"):
                    self.error(f"expected Tables, Notes, TableGroups or Schemas in a DiagramView, found {describe(head)}", head)
                    continue
                members: list[n.QualifiedName] = []
                if ml.block is not None:
                    for sub in ml.block.lines:
                        for part in _split(sub.items, "COMMA"):
                            qn, _ = self.qname(part, 0)
                            if qn is not None:
                                members.append(qn)
                dv.members.append((head.value.lower(), members))
        self.out.elements.append(dv)

    def use(self, line: Line) -> None:
        items = line.items
        u = n.Use(items[0].value.lower(), self.s(items[0]), self.element_end(line))
        rest = list(items[1:])
        if line.block is not None:
            u.body_start, u.body_end = self.s(line.block), self.e(line.block)
            for sl in line.block.lines:
                for part in _split(sl.items, "COMMA"):
                    if part:
                        self.use_specifier(u, part)
            rest = line.after
        elif rest and _tok(rest[0], "STAR"):
            u.wildcard = True
            rest = rest[1:]
        else:
            self.error(f"expected '*' or '{{ … }}' after '{items[0].value}'", items[0])
            self.out.elements.append(u)
            return
        if len(rest) >= 2 and _word(rest[0], "from") and _tok(rest[1], "STRING"):
            u.path = self.value([rest[1]])
            if len(rest) > 2:
                self.error(f"unexpected {describe(rest[2])} after the path", rest[2], rest[-1])
        else:
            at = rest[0] if rest else (line.block if line.block is not None else items[-1])
            self.error("expected from './path' after the imported names", at)
        self.out.elements.append(u)

    def use_specifier(self, u: n.Use, part: list) -> None:
        if not _word(part[0], "table", "enum", "tablegroup", "tablepartial", "note", "schema"):
            self.error(f"expected 'table', 'enum', 'tablegroup', 'tablepartial', 'note' or 'schema' before the imported name, found {describe(part[0])}", part[0], part[-1])
            return
        qn, j = self.qname(part, 1)
        if qn is None:
            self.error(f"expected a name after '{part[0].value}'", part[0])
            return
        alias = None
        if j < len(part) and _word(part[j], "as"):
            if j + 1 < len(part) and _tok(part[j + 1], "NAME", "QNAME"):
                alias = self.name(part[j + 1])
                j += 2
            else:
                self.error("expected an alias after 'as'", part[j])
                j += 1
        if j < len(part):
            self.error(f"unexpected {describe(part[j])} in the import", part[j], part[-1])
        u.specifiers.append(n.UseSpecifier(part[0].value.lower(), qn, alias, self.s(part[0]), self.e(part[-1])))

    def generic(self, line: Line) -> None:
        items = line.items
        qn, _ = self.qname(items, 1)
        el = n.GenericElement(items[0].value, qn, self.s(items[0]), self.element_end(line))
        self.out.elements.append(el)

    def top_checks(self, line: Line) -> None:
        self.error("'checks' must be inside a Table or TablePartial", line.items[0])


def _raw(item) -> str:
    if type(item) is Token:
        return item.value + (" " if item.type == "NAME" else "")
    if isinstance(item, Group):
        inner = "".join(_raw(x) for x in item.items)
        return ("(" + inner + ")") if item.kind == "(" else ("[" + inner + "]")
    return ""


def _split(items: list, sep: str) -> list[list]:
    part: list = []
    parts: list[list] = [part]
    for it in items:
        if type(it) is Token and it.type == sep:
            part = []
            parts.append(part)
        else:
            part.append(it)
    return parts


def _dedent_multiline(s: str) -> str:
    """DBML strips the common indentation of ''' strings."""
    lines = s.split("\n")
    if lines and not lines[0].strip():
        lines = lines[1:]
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    indents = [len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(ln[cut:] for ln in lines)


TOP_LEVEL = {
    "table": Interpreter.table,
    "tablepartial": lambda self, line: Interpreter.table(self, line, n.TablePartial, "TablePartial"),
    "enum": Interpreter.enum,
    "ref": Interpreter.ref,
    "tablegroup": Interpreter.table_group,
    "project": Interpreter.project,
    "note": Interpreter.sticky_note,
    "records": Interpreter.top_records,
    "diagramview": Interpreter.diagram_view,
    "use": Interpreter.use,
    "reuse": Interpreter.use,
    "metadata": Interpreter.generic,
    "dep": Interpreter.generic,
    "checks": Interpreter.top_checks,
}
