"""What is being typed at a cursor: the one helper that answers questions about the text at a
position (completion asks it), on lines that are usually broken while they are typed.

It never needs a parse. The chunk splitter (syntax/blocks.py) finds the top-level element that
holds the cursor even when that element does not parse; the chunk is then lexed from its start
with a tolerant scanner (an unclosed string or comment runs to its end, any other character is
one token), and a walk over brackets and lines says where the cursor stands: in a comment or a
string, at the start of a top-level line, in which element's body (and which nested block:
`indexes`, `checks`, a `Note`), at which position of a column line (name, type, settings, after
the settings), inside `[ ]` (which setting, or its value), at a `ref:` endpoint with the
qualifier typed so far, after `%` (block or column mark), among a mark's arguments, after `~`,
inside `use { … }`. Names are not resolved here: the caller asks the engine (navigate.py, the
index) for the names that fit the place.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .syntax.blocks import split_chunks

# -- where the cursor can be ---------------------------------------------------------------
COMMENT = "comment"
STRING = "string"
NOTHING = "nothing"            # a place where no name is written (a new name, a number, …)
TOP = "top"                    # the start of a top-level line: element keywords
MEMBER = "member"              # the start of a line in a body (element says which body)
MARK_NAME = "mark_name"        # `%…` (placement: block, column or misplaced)
MARK_ARG = "mark_arg"          # among a mark's arguments (mark, args, arg_index)
COLUMN_TYPE = "column_type"    # after a column's name (qualifier: a schema typed so far)
COLUMN_END = "column_end"      # after a column's type or settings: column marks
SETTING_NAME = "setting_name"  # inside `[ ]` where a setting's name goes (settings_of, given)
SETTING_VALUE = "setting_value"  # after `key:` inside `[ ]` (setting)
REF_OPERATOR = "ref_operator"  # after `ref:`, before the relationship operator
ENDPOINT = "endpoint"          # a relationship endpoint: `table.column` (qualifier so far)
COMPOSITE = "composite"        # inside `table.( … )` of an endpoint (qualifier: the table)
COLUMNS = "columns"            # a column of the enclosing table (indexes, Records lists)
PARTIAL = "partial"            # after `~` in a table body
USE_KIND = "use_kind"          # a specifier's start inside `use { … }`
USE_NAME = "use_name"          # after the kind word (use_kind, use_path)
USE_FROM = "use_from"          # after `use { … }`: the word `from`
USE_PATH = "use_path"          # after `from`: the path
RECORDS_TABLE = "records_table"  # `Records |`: a table name

# Which settings list a `[ … ]` belongs to (check/dbml.py's names for the same contexts).
SETTINGS_OF = ("column", "table", "partial", "group", "sticky", "relationship", "index", "enum_value", "check")

ELEMENT_KINDS = {"table": "table", "tablepartial": "partial", "enum": "enum", "ref": "ref",
                 "tablegroup": "group", "project": "project", "note": "note", "records": "records",
                 "diagramview": "diagramview", "use": "use", "reuse": "use"}
USE_KIND_WORDS = ("table", "enum", "tablegroup", "tablepartial", "note", "schema")


@dataclass
class Cursor:
    """Where a cursor stands. `start`/`end` is the word under the cursor (the range a
    completion replaces: `start` to the cursor to insert, to `end` to replace the whole word);
    `prefix` is its text up to the cursor (a mark keeps its `%`, a quoted name drops its quote)."""

    where: str
    offset: int = 0
    prefix: str = ""
    start: int = 0
    end: int = 0
    quoted: bool = False
    element: str | None = None          # table partial enum group ref project note records diagramview use
    element_name: str | None = None     # its name as written (`core.users`)
    element_start: int = -1
    nested: str | None = None           # indexes checks note records tables… (a block in the body)
    qualifier: tuple[str, ...] = ()     # dotted parts typed before the word
    column: str | None = None           # the column line's name
    column_type: str | None = None      # and its type, as written
    settings_of: str | None = None      # one of SETTINGS_OF
    setting: str | None = None          # the setting whose value is typed
    given: tuple[str, ...] = ()         # what the list already holds (settings, mark arguments)
    mark: str | None = None
    placement: str | None = None        # block column misplaced
    args: tuple[str, ...] = ()          # the mark's arguments before the one typed
    arg_index: int = 0
    use_kind: str | None = None
    use_path: str | None = None         # the `from '…'` path of the use line, as written
    after_space: bool = True            # whitespace (or nothing) lies between the last token and the word

    @property
    def in_comment_or_string(self) -> bool:
        return self.where in (COMMENT, STRING)


# -- a scanner that accepts anything ----------------------------------------------------------
_TOKEN_RE = re.compile(r"""
   (?P<mlstring>'''(?:[^'\\]|\\[\s\S]|'(?!''))*(?:'''|\Z))
  |(?P<string>'(?:[^'\\\n]|\\[\s\S])*'?)
  |(?P<qname>"(?:[^"\\\n]|\\.)*"?)
  |(?P<expr>`(?:[^`\\]|\\[\s\S])*`?)
  |(?P<lcomment>//[^\n]*)
  |(?P<bcomment>/\*[\s\S]*?(?:\*/|\Z))
  |(?P<mark>%\w*)
  |(?P<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?!\w))
  |(?P<name>\w+)
  |(?P<color>\#\w*)
  |(?P<op><>|[<>=!?&|+\-/^]+)
  |(?P<punct>[.:,;~*(){}\[\]])
  |(?P<nl>\n)
  |(?P<ws>[ \t\r\f\ufeff]+|\\\r?\n)
  |(?P<other>.)
""", re.X)

_WORDS = ("name", "qname", "number")
_ARG_RE = re.compile(r"'[^'\n]*'?|\"[^\"\n]*\"?|[^\s]+")


class _Tok:
    __slots__ = ("kind", "text", "start", "end")

    def __init__(self, kind: str, text: str, start: int, end: int):
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end

    @property
    def closed(self) -> bool:
        """For strings and comments: whether the closing delimiter is there."""
        t, k = self.text, self.kind
        if k == "mlstring":
            return len(t) >= 6 and t.endswith("'''")
        if k in ("string", "qname", "expr"):
            return len(t) >= 2 and t[-1] == t[0]
        if k == "bcomment":
            return len(t) >= 4 and t.endswith("*/")
        return True

    def value(self) -> str:
        """A name's text (a quoted name without its quotes)."""
        if self.kind == "qname":
            return self.text[1:-1] if self.closed else self.text[1:]
        return self.text

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"{self.kind}:{self.text!r}@{self.start}"


def _lex(text: str, start: int, stop: int) -> list[_Tok]:
    out = []
    for m in _TOKEN_RE.finditer(text, start, stop):
        k = m.lastgroup
        if k == "ws":
            continue
        out.append(_Tok(k, m.group(), m.start(), m.end()))
    return out


class _Group:
    """A bracket on a line: `[ … ]`, `( … )`, `{ … }` (closed or still open at the cursor)."""

    __slots__ = ("kind", "start", "end", "tokens", "closed")

    def __init__(self, kind: str, start: int):
        self.kind = kind
        self.start = start
        self.end = start + 1
        self.tokens: list = []
        self.closed = False


class _Frame:
    __slots__ = ("kind", "start", "header", "line", "tokens", "group")

    def __init__(self, kind: str, start: int, header: list, group: _Group | None):
        self.kind = kind          # top { [ (
        self.start = start
        self.header = header      # the parent line's items before the bracket
        self.line: list = []      # items of the current line (a `{` body or the top level)
        self.tokens: list = []    # every item since the bracket opened (`[`, `(`)
        self.group = group


_CLOSE = {"}": "{", "]": "[", ")": "("}


def _is(item, kind: str, text: str | None = None) -> bool:
    return type(item) is _Tok and item.kind == kind and (text is None or item.text == text)


def _word(item, *words: str) -> bool:
    return type(item) is _Tok and item.kind == "name" and item.text.lower() in words


def _qualified(items: list) -> tuple[str | None, int]:
    """A dotted name at the start of `items`: (its text, how many items it takes)."""
    parts, i = [], 0
    while i < len(items) and type(items[i]) is _Tok and items[i].kind in _WORDS:
        parts.append(items[i].value())
        if i + 2 <= len(items) - 1 and _is(items[i + 1], "punct", ".") and type(items[i + 2]) is _Tok \
                and items[i + 2].kind in _WORDS:
            i += 2
            continue
        i += 1
        break
    return (".".join(parts) if parts else None), i


def _split_entries(items: list, sep: str = ",") -> list[list]:
    out: list[list] = [[]]
    for it in items:
        if _is(it, "punct", sep):
            out.append([])
        else:
            out[-1].append(it)
    return out


def _setting_key(entry: list) -> str | None:
    words = []
    for it in entry:
        if _is(it, "punct", ":"):
            break
        if type(it) is not _Tok or it.kind not in ("name", "qname"):
            return None
        words.append(it.value().lower())
    return " ".join(words) if words else None


# -- the walk ----------------------------------------------------------------------------------
def cursor_at(text: str, offset: int, chunk_starts: list[int] | None = None) -> Cursor:
    """Where `offset` stands in `text`. `chunk_starts`: where the file's top-level chunks start
    (the parse's, when the caller has one; computed from the text otherwise)."""
    offset = max(0, min(offset, len(text)))
    if chunk_starts is None:
        chunk_starts = [s for s, _e in split_chunks(text)]
    i = bisect_right(chunk_starts, offset) - 1
    region_start = chunk_starts[i] if i >= 0 else 0
    region_stop = chunk_starts[i + 1] if i + 1 < len(chunk_starts) else len(text)
    # A chunk can only end after the cursor when it holds the cursor; a longer region costs
    # nothing but lookahead.
    region_stop = max(region_stop, offset)
    inside = _inside_dangling(text, offset, region_start, chunk_starts)
    if inside is not None:
        return Cursor(inside, offset, start=offset, end=offset)
    tokens = _lex(text, region_start, region_stop)
    return _Walk(text, offset, tokens).run()


# A comment or string that opens and never closes runs to the end of the text as the user sees
# it, across chunks (the chunk splitter skips such an opener and splits on).
_DANGLING = (("/*", COMMENT, "bcomment"), ("'''", STRING, "mlstring"), ("`", STRING, "expr"))
LOOKBACK = 65536  # how far back an opener that never closed is looked for


def _inside_dangling(text: str, offset: int, region_start: int, chunk_starts: list[int]) -> str | None:
    lo = max(0, region_start - LOOKBACK)
    for opener, where, kind in _DANGLING:
        p = text.rfind(opener, lo, region_start)
        if p < 0:
            continue
        i = bisect_right(chunk_starts, p) - 1
        s = chunk_starts[i] if i >= 0 else 0
        last = None
        for m in _TOKEN_RE.finditer(text, s, offset):
            last = m
        if last is not None and last.lastgroup == kind and last.end() == offset \
                and not _Tok(kind, last.group(), last.start(), last.end()).closed:
            return where
    return None


class _Walk:
    def __init__(self, text: str, offset: int, tokens: list[_Tok]):
        self.text = text
        self.offset = offset
        self.tokens = tokens

    def run(self) -> Cursor:
        text, offset = self.text, self.offset
        before: list[_Tok] = []
        word: _Tok | None = None
        for tok in self.tokens:
            if tok.start >= offset:
                break
            if tok.end >= offset:
                kind = tok.kind
                if kind in ("lcomment", "bcomment"):
                    if kind == "lcomment" or tok.end > offset or not tok.closed:
                        return Cursor(COMMENT, offset, start=offset, end=offset)
                elif kind in ("string", "mlstring", "expr"):
                    if tok.end > offset or not tok.closed:
                        return Cursor(STRING, offset, start=offset, end=offset)
                elif kind == "qname" and (tok.end > offset or not tok.closed):
                    word = tok
                    break
                elif kind in ("name", "number", "mark"):
                    word = tok
                    break
            before.append(tok)
        if word is not None:
            self.after = [t for t in self.tokens if t.start >= word.end]
            if word.kind == "qname":
                c = Cursor(NOTHING, offset, prefix=text[word.start + 1:offset], start=word.start,
                           end=word.end, quoted=True)
            else:
                c = Cursor(NOTHING, offset, prefix=text[word.start:offset], start=word.start, end=word.end)
            at = word.start
        else:
            self.after = [t for t in self.tokens if t.start >= offset]
            c = Cursor(NOTHING, offset, start=offset, end=offset)
            at = offset
        c.after_space = not before or before[-1].end < at or before[-1].kind == "nl"
        self.cursor = c
        self.word = word
        self.walk(before)
        self.classify()
        return c

    def walk(self, before: list[_Tok]) -> None:
        stack = [_Frame("top", before[0].start if before else self.offset, [], None)]
        for tok in before:
            kind = tok.kind
            if kind in ("lcomment", "bcomment"):
                continue
            top = stack[-1]
            if kind == "nl":
                if top.kind in ("top", "{"):
                    top.line = []
                continue
            if kind == "punct" and tok.text in "{[(":
                g = _Group(tok.text, tok.start)
                top.line.append(g)
                top.tokens.append(g)
                stack.append(_Frame(tok.text, tok.start, list(top.line[:-1]), g))
                continue
            if kind == "punct" and tok.text in "}])":
                want = _CLOSE[tok.text]
                for j in range(len(stack) - 1, 0, -1):
                    if stack[j].kind == want:
                        fr = stack[j]
                        fr.group.closed = True
                        fr.group.end = tok.end
                        fr.group.tokens = fr.tokens
                        del stack[j:]
                        break
                continue  # a stray closer: the parse reports it
            top.line.append(tok)
            top.tokens.append(tok)
        self.stack = stack

    # -- what the place is -----------------------------------------------------------------
    def classify(self) -> None:
        c, stack = self.cursor, self.stack
        top = stack[0]
        # The element: the top-level line that opened the first bracket, or the current line.
        header = stack[1].header if len(stack) > 1 else top.line
        if header and _is(header[0], "name"):
            kw = header[0].text.lower()
            c.element = ELEMENT_KINDS.get(kw)
            if c.element is not None:
                c.element_start = header[0].start
                name, _ = _qualified(header[1:])
                c.element_name = name
        frame = stack[-1]
        line = frame.line if frame.kind in ("top", "{") else frame.tokens
        # A mark on this line: what follows it is its arguments, up to the line's end.
        if self.word is not None and self.word.kind == "mark":
            c.where = MARK_NAME
            c.placement = self.mark_placement(frame, line)
            return
        marks = [j for j, it in enumerate(line) if _is(it, "mark")]
        if marks and frame.kind in ("top", "{"):
            self.mark_args(line[marks[-1]], frame, line[:marks[-1]])
            return
        qual, rest = self.split_qualifier(line)
        c.qualifier = qual
        if frame.kind == "top":
            self.top_line(rest)
        elif frame.kind == "[":
            self.settings(frame, rest)
        elif frame.kind == "(":
            self.paren(frame, rest)
        else:
            self.body_line(frame, rest)

    def split_qualifier(self, line: list) -> tuple[tuple[str, ...], list]:
        """`core.users.` before the word: (('core', 'users'), the line before them)."""
        parts: list[str] = []
        j = len(line)
        at = self.cursor.start
        while j >= 2 and _is(line[j - 1], "punct", ".") and line[j - 1].end == at \
                and type(line[j - 2]) is _Tok and line[j - 2].kind in _WORDS and line[j - 2].end == line[j - 1].start:
            parts.insert(0, line[j - 2].value())
            at = line[j - 2].start
            j -= 2
        return tuple(parts), line[:j]

    def mark_placement(self, frame: _Frame, line: list) -> str:
        c = self.cursor
        if frame.kind == "{" and not line and c.element in ("table", "partial", "enum", "group") and len(self.stack) == 2:
            return "block"
        if frame.kind == "{" and len(self.stack) == 2 and c.element in ("table", "partial") and line \
                and type(line[0]) is _Tok and line[0].kind in _WORDS:
            col, typ = self.column_of(line)
            if typ is not None:
                c.column, c.column_type = col, typ
                return "column"
        return "misplaced"

    def column_of(self, line: list) -> tuple[str | None, str | None]:
        """A column line's name and type as written (None when it has no type yet)."""
        if not line or type(line[0]) is not _Tok or line[0].kind not in _WORDS:
            return None, None
        name = line[0].value()
        typ, _ = _qualified(line[1:])
        if typ is None:
            return name, None
        return name, typ

    def mark_args(self, mark: _Tok, frame: _Frame, before_mark: list) -> None:
        c = self.cursor
        c.where = MARK_ARG
        c.mark = mark.text[1:]
        if not before_mark and frame.kind == "{" and len(self.stack) == 2:
            c.placement = "block" if c.element in ("table", "partial", "enum", "group") else "misplaced"
        else:
            c.placement = self.mark_placement(frame, before_mark)
        text = self.text
        # The argument being typed starts at the last blank before the word: `Enum.Var|` is
        # one argument whose qualifier is `Enum`.
        arg_start = c.start
        while arg_start > mark.end and not text[arg_start - 1].isspace():
            arg_start -= 1
        written = [m.group() for m in _ARG_RE.finditer(text, mark.end, arg_start)]
        c.args = tuple(written)
        c.arg_index = len(written)
        qual = text[arg_start:c.start]
        if qual:
            if not qual.endswith(".") or arg_start == mark.end:
                c.where = NOTHING
                return
            c.qualifier = tuple(qual[:-1].split("."))
        # What the rest of the line gives (arguments after the cursor): up to `}`, `//`, the end.
        line_end = text.find("\n", c.end)
        rest = text[c.end:len(text) if line_end < 0 else line_end]
        for stop in ("//", "}"):
            j = rest.find(stop)
            if j >= 0:
                rest = rest[:j]
        later = [m.group() for m in _ARG_RE.finditer(rest)]
        c.given = tuple(written + later)

    def top_line(self, line: list) -> None:
        c = self.cursor
        if not line:
            c.where = TOP if not c.qualifier else NOTHING
            return
        head = line[0]
        if not _is(head, "name"):
            c.where = NOTHING
            return
        kw = head.text.lower()
        if kw == "ref":
            colon = next((j for j, it in enumerate(line) if _is(it, "punct", ":")), None)
            if colon is not None:
                self.relationship(line[colon + 1:])
            return
        if kw in ("use", "reuse"):
            groups = [it for it in line if type(it) is _Group]
            star = any(_is(it, "punct", "*") for it in line)
            if (groups and groups[-1].closed) or star:
                if _word(line[-1], "from"):
                    c.where = USE_PATH
                elif type(line[-1]) is _Group or _is(line[-1], "punct", "*"):
                    c.where = USE_FROM
            return
        if kw == "records" and len(line) == 1 and c.after_space:
            c.where = RECORDS_TABLE
            return
        c.where = NOTHING

    def relationship(self, items: list) -> None:
        """The items of a relationship before the word: `a.b > c.` (settings are a `[`)."""
        c = self.cursor
        ops = [j for j, it in enumerate(items) if _is(it, "op") and re.fullmatch(r"\??(?:<>|<|>|-)\??", it.text)]
        side = items[ops[-1] + 1:] if ops else items
        if side:
            # A complete endpoint then a space: the operator (or the settings) comes next.
            c.where = NOTHING
            return
        c.where = ENDPOINT

    def settings(self, frame: _Frame, items: list) -> None:
        c = self.cursor
        parent = self.stack[-2]
        pline = frame.header
        # `int[]`: an array suffix right after the type, not a settings list.
        if pline and type(pline[-1]) is _Tok and pline[-1].end == frame.start and pline[-1].kind in _WORDS:
            ptop = self.stack[-2]
            if ptop.kind == "{" and c.element in ("table", "partial") and len(pline) >= 2:
                c.where = NOTHING
                return
        c.settings_of = self.settings_context(parent, pline)
        if c.settings_of is None:
            c.where = NOTHING
            return
        entries = _split_entries(items)
        current = entries[-1]
        # Entries after the cursor, up to the closing `]`, count as given too.
        later = self.rest_of_bracket("[", "]")
        keys = [_setting_key(e) for e in entries[:-1]] + [_setting_key(e) for e in _split_entries(later)[1:]]
        c.given = tuple(k for k in keys if k)
        colon = next((j for j, it in enumerate(current) if _is(it, "punct", ":")), None)
        if c.settings_of == "column":
            c.column, c.column_type = self.column_of(pline)
        if colon is None:
            words = [it for it in current if type(it) is _Tok and it.kind in ("name", "qname")]
            if len(words) != len(current) or c.qualifier:
                c.where = NOTHING
                return
            c.where = SETTING_NAME
            if words:
                # `not nu|`: the name has two words; replace both.
                c.prefix = " ".join(w.value() for w in words) + " " + c.prefix
                c.start = words[0].start
            return
        key = _setting_key(current)
        if key is None:
            c.where = NOTHING
            return
        value = current[colon + 1:]
        if key == "ref" and c.settings_of == "column":
            if not value:
                c.where = REF_OPERATOR if not c.qualifier else NOTHING
            elif _is(value[0], "op"):
                self.relationship(value)
            else:
                c.where = NOTHING
            return
        if value and not (len(value) <= 2 and all(type(v) is _Tok and v.kind in ("name", "op") for v in value)):
            c.where = NOTHING
            return
        c.where = SETTING_VALUE
        c.setting = key
        if value and key in ("delete", "update") and _word(value[-1], "set", "no"):
            c.prefix = " ".join(v.text for v in value) + " " + c.prefix
            c.start = value[0].start

    def settings_context(self, parent: _Frame, pline: list) -> str | None:
        c = self.cursor
        depth = len(self.stack) - 1  # the `[` frame's index
        if parent.kind == "top":
            if not pline or not _is(pline[0], "name"):
                return None
            kw = pline[0].text.lower()
            if kw == "ref":
                return "relationship" if any(_is(it, "punct", ":") for it in pline) else None
            return {"table": "table", "tablepartial": "partial", "tablegroup": "group", "note": "sticky"}.get(kw)
        if parent.kind != "{":
            return None
        if depth == 2:  # a line of the element's body
            el = c.element
            if el in ("table", "partial"):
                if pline and type(pline[0]) is _Tok and pline[0].kind in _WORDS:
                    return "column" if len(pline) >= 2 else None
                return None
            if el == "enum":
                return "enum_value" if pline else None
            if el == "ref":
                return "relationship"
            return None
        if depth == 3:
            nested = self.nested_of(self.stack[2])
            if nested == "indexes":
                return "index"
            if nested == "checks":
                return "check"
        return None

    def nested_of(self, frame: _Frame) -> str | None:
        h = frame.header
        if h and _is(h[0], "name"):
            return h[0].text.lower()
        return None

    def rest_of_bracket(self, opener: str, closer: str) -> list:
        """Tokens after the cursor up to the bracket that closes the innermost one (or the end
        of the line for an unclosed one)."""
        out, depth = [], 0
        for tok in self.after:
            if tok.kind == "nl" and opener != "{":
                break
            if tok.kind == "punct" and tok.text in "{[(":
                depth += 1
            elif tok.kind == "punct" and tok.text in "}])":
                if depth == 0:
                    break
                depth -= 1
            out.append(tok)
        return out

    def paren(self, frame: _Frame, items: list) -> None:
        c = self.cursor
        pline = frame.header
        parent = self.stack[-2]
        entry = _split_entries(items)[-1]
        if entry or c.qualifier:
            c.where = NOTHING
            return
        given = [t.value() for t in items if type(t) is _Tok and t.kind in ("name", "qname")]
        given += [t.value() for t in self.rest_of_bracket("(", ")") if t.kind in ("name", "qname")]
        c.given = tuple(given)
        # `table.( a, |`: the columns of a composite endpoint.
        if len(pline) >= 2 and _is(pline[-1], "punct", "."):
            qual = []
            j = len(pline) - 1
            while j >= 1 and _is(pline[j], "punct", ".") and type(pline[j - 1]) is _Tok and pline[j - 1].kind in _WORDS:
                qual.insert(0, pline[j - 1].value())
                j -= 2
            c.qualifier = tuple(qual)
            c.where = COMPOSITE
            return
        depth = len(self.stack) - 1
        if parent.kind == "{" and depth == 3 and self.nested_of(self.stack[2]) == "indexes" and not pline:
            c.where = COLUMNS
            return
        if pline and _word(pline[0], "records"):
            if parent.kind == "top":
                name, _ = _qualified(pline[1:])
                c.element = "records"
                c.element_name = name
                c.where = COLUMNS if name else NOTHING
                return
            if parent.kind == "{" and depth == 2 and c.element in ("table", "partial"):
                c.where = COLUMNS
                return
        c.where = NOTHING

    def body_line(self, frame: _Frame, line: list) -> None:
        c = self.cursor
        depth = len(self.stack) - 1
        el = c.element
        if depth >= 2:
            c.nested = self.nested_of(frame)
            if depth == 2 and c.nested == "indexes" and el in ("table", "partial"):
                c.where = COLUMNS if all(type(t) is _Tok and t.kind in ("name", "qname") for t in line) \
                    and not c.qualifier else NOTHING
                return
            c.where = NOTHING
            return
        if el in ("table", "partial"):
            if not line:
                c.where = MEMBER if not c.qualifier else NOTHING
                return
            head = line[0]
            if _is(head, "punct", "~"):
                c.where = PARTIAL if len(line) == 1 and not c.qualifier else NOTHING
                return
            if type(head) is not _Tok or head.kind not in _WORDS:
                c.where = NOTHING
                return
            if len(line) == 1:
                c.column = head.value()
                c.where = COLUMN_TYPE if (c.after_space or c.qualifier) else NOTHING
                return
            name, typ = self.column_of(line)
            c.column, c.column_type = name, typ
            tail = line[-1]
            if typ is not None and c.after_space and not c.qualifier and (
                    type(tail) is _Group and tail.kind == "[" and tail.closed or type(tail) is _Tok):
                # After the type (and its arguments or settings): the column's marks.
                c.where = COLUMN_END
                return
            if type(tail) is _Group and tail.kind == "(" and tail.closed and c.after_space:
                c.where = COLUMN_END
                return
            c.where = NOTHING
            return
        if el in ("enum", "project"):
            c.where = MEMBER if not line and not c.qualifier else NOTHING
            return
        if el == "group":
            c.where = MEMBER if not line else NOTHING
            if c.qualifier and not line:
                c.where = MEMBER
            return
        if el == "ref":
            self.relationship(line)
            return
        if el == "use":
            entry = _split_entries(line)[-1]
            if not entry and not c.qualifier:
                c.where = USE_KIND
            elif len(entry) == 1 and _word(entry[0], *USE_KIND_WORDS) and c.after_space:
                c.where = USE_NAME
                c.use_kind = entry[0].text.lower()
            else:
                c.where = NOTHING
                return
            c.use_path = self.use_path()
            return
        c.where = NOTHING

    def use_path(self) -> str | None:
        """The `from '…'` after the `}` of the use line (text after the cursor)."""
        depth = 0
        seen_close = False
        prev = None
        for tok in self.after:
            if tok.kind == "punct" and tok.text == "{":
                depth += 1
            elif tok.kind == "punct" and tok.text == "}":
                if depth == 0:
                    seen_close = True
                else:
                    depth -= 1
            elif seen_close:
                if prev is not None and _word(prev, "from") and tok.kind == "string":
                    return tok.text[1:-1] if tok.closed else tok.text[1:]
                if tok.kind == "nl":
                    return None
            prev = tok
        return None
