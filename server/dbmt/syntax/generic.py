"""Runs lark's LALR parser over one chunk and builds the generic line/bracket tree in one pass.

Nodes are built by the transformer passed to the parser (no lark Tree, no
propagate_positions: tokens already carry offsets). Offsets here are relative to the chunk, so
a parse result depends only on the chunk's text and can be cached and reused wherever the chunk
moves in its file. Recovery repairs brackets one token at a time, so every round consumes input.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import re

from lark import Lark, Transformer, Token
from lark.lexer import Lexer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from .blocks import OPENERS, SCAN_RE, unclosed_openers


class Group:
    """A bracketed group `( … )` or `[ … ]`: its items, newlines dropped."""

    __slots__ = ("kind", "start", "end", "items")

    def __init__(self, kind: str, start: int, end: int, items: list):
        self.kind = kind
        self.start = start
        self.end = end
        self.items = items


class Block:
    """`{ … }`: its member lines."""

    __slots__ = ("start", "end", "lines")

    def __init__(self, start: int, end: int, lines: list):
        self.start = start
        self.end = end
        self.lines = lines


class Line:
    """Items of one logical line, the block it may hold, and the items after that block."""

    __slots__ = ("items", "block", "after", "start", "end")

    def __init__(self, items: list, block: Block | None, after: list, start: int, end: int):
        self.items = items
        self.block = block
        self.after = after
        self.start = start
        self.end = end


def item_start(item) -> int:
    return item.start_pos if isinstance(item, Token) else item.start


def item_end(item) -> int:
    return item.end_pos if isinstance(item, Token) else item.end


class _Build(Transformer):
    """Turns reductions straight into lists and Group/Block/Line objects."""

    def start(self, children):
        return children[0] if children else []

    def lines(self, children):
        if len(children) == 1:
            return [children[0]] if children[0] is not None else []
        lst, line = children
        if line is not None:
            lst.append(line)
        return lst

    def items(self, children):
        if len(children) == 1:
            return [children[0]]
        children[0].append(children[1])
        return children[0]

    inner = items

    def line(self, children):
        items: list = []
        block = None
        after: list = []
        for child in children:
            if type(child) is Block:
                block = child
            elif block is None:
                items = child
            else:
                after = child
        items = _clean(items)
        after = _clean(after)
        if not items and block is None and not after:
            return None
        first = items[0] if items else block
        last = after[-1] if after else (block if block is not None else items[-1])
        return Line(items, block, after, item_start(first), item_end(last))

    def paren(self, children):
        inner = children[1] if len(children) == 3 else []
        return Group("(", children[0].start_pos, children[-1].end_pos, _clean(inner))

    def bracket(self, children):
        inner = children[1] if len(children) == 3 else []
        return Group("[", children[0].start_pos, children[-1].end_pos, _clean(inner))

    def block(self, children):
        lines = children[1] if len(children) == 3 else []
        return Block(children[0].start_pos, children[-1].end_pos, lines)


def _clean(items: list) -> list:
    return [c for c in items if type(c) is not Token or c.type != "ERRCHAR"]


def _grammar_text() -> str:
    # Installed wheel: the grammar ships inside the package; source checkout: grammar/ at the top.
    try:
        packaged = resources.files("dbmt").joinpath("_grammar/dbmt.lark")
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        pass
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "grammar" / "dbmt.lark"
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    raise FileNotFoundError("grammar/dbmt.lark is missing from this installation")


# The lexer callback fills this while one chunk is parsed (parsing is single-threaded per process).
_badchars: list = []


def _note_bad_char(tok: Token) -> Token:
    _badchars.append(tok)
    return tok


class ScanLexer(Lexer):
    """The grammar's own terminals, compiled into one alternation and scanned with finditer.

    lark's basic lexer tries a match per token from Python; scanning the chunk with one regex
    in C and only wrapping the hits as Tokens is several times faster (the profile of a 2 MB
    workspace showed lexing at 45% of the parse). Alternatives are ordered as lark orders them:
    higher priority first; ERRCHAR, the catch-all, last.
    """

    def __init__(self, lexer_conf):
        terms = sorted(lexer_conf.terminals, key=lambda t: (-t.priority, t.name == "ERRCHAR"))
        self.regex = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terms))
        self.ignore = frozenset(lexer_conf.ignore)
        self.callbacks = dict(lexer_conf.callbacks or {})

    def lex(self, text: str):
        ignore = self.ignore
        callbacks = self.callbacks
        new = Token
        for m in self.regex.finditer(text):
            kind = m.lastgroup
            if kind in ignore:
                cb = callbacks.get(kind)
                if cb is not None:
                    cb(new(kind, m.group(), m.start(), end_pos=m.end()))
                continue
            tok = new(kind, m.group(), m.start(), end_pos=m.end())
            cb = callbacks.get(kind)
            yield cb(tok) if cb is not None else tok


@lru_cache(maxsize=1)
def parser() -> Lark:
    return Lark(
        _grammar_text(),
        parser="lalr",
        lexer=ScanLexer,
        transformer=_Build(),
        maybe_placeholders=False,
        lexer_callbacks={"ERRCHAR": _note_bad_char},
    )


class ChunkParse:
    """The generic tree of one chunk, its comments and its bracket errors (all chunk-relative)."""

    __slots__ = ("lines", "comments", "errors")

    def __init__(self, lines: list[Line], comments: list[tuple[str, int, int]], errors: list[tuple[int, int, str]]):
        self.lines = lines
        self.comments = comments
        self.errors = errors


_CLOSER_NAME = {")": "')'", "]": "']'", "}": "'}'"}


def parse_chunk(chunk: str) -> ChunkParse:
    """Parse one top-level element; bracket mistakes are repaired token by token and reported."""
    p = parser()
    errors: list[tuple[int, int, str]] = []
    text = chunk
    appended = 0
    # Each round removes or adds one bracket, so the rounds are bounded by the brackets there are.
    for _ in range(len(chunk) + 2):
        _badchars.clear()
        try:
            lines = p.parse(text)
            comments = [(m.group(), m.start(), m.end()) for m in SCAN_RE.finditer(chunk)
                        if m.group()[:2] in ("//", "/*")]
            for t in _badchars:
                errors.append((t.start_pos, t.end_pos, _bad_char_message(t.value)))
            return ChunkParse(lines, comments, errors)
        except UnexpectedInput as e:
            text, appended = _repair(text, chunk, e, errors, appended)
    return ChunkParse([], [], errors)  # pragma: no cover - unreachable: every round repairs


def _bad_char_message(c: str) -> str:
    if c in "'\"`":
        return f"unterminated string: the {c} here is never closed on its line"
    return f"unexpected character {c!r}"


def _line_end(text: str, at: int) -> int:
    """An unclosed `(` or `[` costs the rest of its line: what follows it is not settings."""
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _repair(text: str, chunk: str, e: UnexpectedInput, errors: list, appended: int) -> tuple[str, int]:
    n = len(chunk)
    if isinstance(e, UnexpectedEOF) or (isinstance(e, UnexpectedToken) and e.token.type == "$END"):
        stack = unclosed_openers(text, len(text))
        if not stack:
            # Cannot happen with this grammar; end the loop with an empty but reported parse.
            errors.append((max(n - 1, 0), n, "unexpected end of the element"))
            return text + "\n", appended
        opener, at = stack[-1]
        closer = OPENERS[opener]
        errors.append((at, at + 1, f"'{opener}' is never closed: expected {_CLOSER_NAME[closer]}"))
        if opener == "{":
            return text + "\n}", appended + 1
        return _blank(text, at, _line_end(text, at)), appended
    if isinstance(e, UnexpectedToken):
        tok = e.token
        pos = tok.start_pos
        if tok.type in ("RPAR", "RSQB", "RBRACE"):
            stack = unclosed_openers(text, pos)
            # The innermost open bracket is unclosed only if this closer closes an outer one;
            # a closer that matches nothing open is simply extra.
            if stack and OPENERS[stack[-1][0]] != tok.value and any(OPENERS[o] == tok.value for o, _ in stack):
                opener, at = stack[-1]
                errors.append((at, at + 1, f"'{opener}' is never closed: expected {_CLOSER_NAME[OPENERS[opener]]} before '{tok.value}'"))
                return _blank(text, at, _line_end(text, at)), appended
            errors.append((pos, pos + 1, f"unexpected '{tok.value}': nothing to close here"))
            return _blank(text, pos, pos + 1), appended
        end = min(tok.end_pos or pos + 1, n)
        errors.append((pos, max(end, pos + 1), f"unexpected {tok.value!r}"))
        return _blank(text, pos, max(end, pos + 1)), appended
    if isinstance(e, UnexpectedCharacters):
        pos = e.pos_in_stream
        errors.append((pos, pos + 1, f"unexpected character {text[pos]!r}"))
        return _blank(text, pos, pos + 1), appended
    raise e
