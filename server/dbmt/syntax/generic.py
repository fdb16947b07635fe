"""Drives lark's LALR parse table over one chunk and builds the generic line/bracket tree in one pass.

lark analyses grammar/dbmt.lark into terminals and a parse table; `LalrDriver` runs that table
from the matches of one compiled scanner regex and calls the transformer's methods on each
reduction (no lark Tree, no lark Token: tokens are small `Token` objects with offsets). Offsets here are relative to the chunk, so
a parse result depends only on the chunk's text and can be cached and reused wherever the chunk
moves in its file. Recovery repairs brackets one token at a time, so every round consumes input.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

import re

from lark import Lark, Transformer
from lark.lexer import Lexer

from .blocks import OPENERS, SCAN_RE, unclosed_openers


class Token:
    """One scanned terminal: its grammar name (`NAME`, `STRING`, …), text and chunk offsets."""

    __slots__ = ("type", "value", "start", "end")

    def __init__(self, type: str, value: str, start: int, end: int):
        self.type = type
        self.value = value
        self.start = start
        self.end = end

    def __repr__(self) -> str:
        return f"Token({self.type!r}, {self.value!r}, {self.start}, {self.end})"


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


class _Build(Transformer):
    """Turns reductions straight into lists and Group/Block/Line objects.

    These are lark Transformer methods, one per rule: `LalrDriver` calls them on each reduction,
    and lark's own parser can run them too (the equivalence test does).
    """

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
        return Line(items, block, after, first.start, last.end)

    def paren(self, children):
        inner = children[1] if len(children) == 3 else []
        return Group("(", children[0].start, children[-1].end, _clean(inner))

    def bracket(self, children):
        inner = children[1] if len(children) == 3 else []
        return Group("[", children[0].start, children[-1].end, _clean(inner))

    def block(self, children):
        lines = children[1] if len(children) == 3 else []
        return Block(children[0].start, children[-1].end, lines)


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


class ScanLexer(Lexer):
    """A placeholder: lark needs a lexer class to build a parser, but `LalrDriver` scans itself.

    Scanning a chunk with one compiled alternation of the grammar's terminals in C and driving
    the parse table from the matches is several times faster than lark's lexing loop.
    """

    def __init__(self, lexer_conf):
        pass

    def lex(self, lexer_state, parser_state):  # pragma: no cover - see LalrDriver.parse
        raise NotImplementedError("dbmt drives lark's parse table itself: use LalrDriver")


@lru_cache(maxsize=1)
def parser() -> Lark:
    """lark's LALR analysis of grammar/dbmt.lark: the source of the terminals and parse table."""
    return Lark(
        _grammar_text(),
        parser="lalr",
        lexer=ScanLexer,
        transformer=_Build(),
        maybe_placeholders=False,
    )


class ParseError(Exception):
    """The parse stopped at `token` (type `$END` at the end of the chunk)."""

    def __init__(self, token: Token):
        super().__init__(f"unexpected {token.type} at {token.start}")
        self.token = token


def ordered_terminals(terminals) -> list:
    """lark's order of trying terminals: higher priority first; ERRCHAR, the catch-all, last."""
    return sorted(terminals, key=lambda t: (-t.priority, t.name == "ERRCHAR"))


def scan_regex(terminals) -> re.Pattern:
    """One alternation of the terminals, tried in order; an empty group named after the
    terminal ends each alternative, so `m.lastindex` says which one matched.

    The group comes last rather than around the pattern because the regex engine only skips an
    alternative on its first character when that alternative starts with a character or class:
    a leading group made it enter and fail each earlier alternative in turn (0.21 s → 0.13 s
    of scanning on the 2 MB benchmark workspace).
    """
    return re.compile("|".join(f"(?:{t.pattern.to_regexp()})(?P<{t.name}>)" for t in terminals))


class _Rule:
    """One grammar rule as lark's parse-tree builder would call it."""

    __slots__ = ("size", "keep", "fn", "origin")

    def __init__(self, rule, transformer):
        expansion = rule.expansion
        keep_all = rule.options.keep_all_tokens
        keep = [i for i, sym in enumerate(expansion) if keep_all or not (sym.is_term and sym.filter_out)]
        if any(not expansion[i].is_term and expansion[i].name.startswith("_") for i in keep):
            raise NotImplementedError(f"inlined rule in {rule}: not supported by LalrDriver")
        self.size = len(expansion)
        self.keep = None if len(keep) == len(expansion) else tuple(keep)
        self.origin = rule.origin.name
        if rule.options.expand1 and not rule.alias and len(keep) == 1:
            self.fn = None  # `?rule` with one child: the child itself
        else:
            name = rule.alias or rule.options.template_source or rule.origin.name
            self.fn = getattr(transformer, name, None)
            if self.fn is None:
                raise NotImplementedError(f"no transformer method for rule {name!r}")

    def reducer(self, goto: list):
        """(values, states, current state) → the state after this reduction. `goto[s]` is the
        state reached on this rule's nonterminal from state s; states[i] is the state in which
        values[i] was pushed."""
        size, keep, fn = self.size, self.keep, self.fn
        if size == 0:
            def reduce(values, states, state):
                states.append(state)
                values.append(fn([]))
                return goto[state]
        elif fn is None:
            pick = keep[0] - size if keep is not None else -1
            def reduce(values, states, state):
                v = values[pick]
                if size > 1:
                    del values[1 - size:]
                    del states[1 - size:]
                values[-1] = v
                return goto[states[-1]]
        else:
            def reduce(values, states, state):
                children = values[-size:]
                if keep is not None:
                    children = [children[i] for i in keep]
                if size > 1:
                    del values[1 - size:]
                    del states[1 - size:]
                values[-1] = fn(children)
                return goto[states[-1]]
        return reduce


class LalrDriver:
    """lark's LALR(1) parse table, driven by a loop over the scanner's regex matches.

    lark's `feed_token` does a dict lookup by terminal name per token, creates a lark `Token`
    (a str subclass) and calls a child-filter wrapper per reduction; on the 2 MB benchmark
    workspace that loop was most of the parse. Here terminals are small ints, each state's
    actions a list (shift: the target state ≥ 0, reduce: ~rule), each rule a small function
    that slices the stack and calls the transformer's method. Tokens no rule keeps (`_NL`) are
    not built unless the parse stops at one. Semantics are lark's: same table, same callbacks,
    the same token at which a parse stops (tests/syntax/test_driver_equivalence.py).
    """

    ERROR = -(1 << 30)

    def __init__(self, lark: Lark):
        lexer = lark.lexer_conf
        table = lark.parser.parser._parse_table
        rules = sorted({arg for row in table.states.values() for act, arg in row.values() if act.name == "Reduce"},
                       key=lambda r: (r.origin.name, r.order))
        compiled = [_Rule(r, lark.options.transformer) for r in rules]

        # Terminal ids: those whose tokens reach callbacks first, then ERRCHAR (also reported),
        # then those every rule drops (shifted as None), then $END; ignored terminals are -1.
        terminals = ordered_terminals(lexer.terminals)
        used = [t.name for t in terminals if t.name not in lexer.ignore]
        dropped = {sym.name for r in rules for sym in r.expansion if sym.is_term and sym.filter_out}
        dropped -= {sym.name for r, c in zip(rules, compiled) for i, sym in enumerate(r.expansion)
                    if sym.is_term and (c.keep is None or i in c.keep)}
        kept = [n for n in used if n not in dropped and n != "ERRCHAR"]
        self.term_names = kept + ["ERRCHAR"] + sorted(dropped) + ["$END"]
        tid = {name: i for i, name in enumerate(self.term_names)}
        self.n_kept = len(kept)
        self.errchar = tid["ERRCHAR"]
        self.end_id = tid["$END"]
        self.regex = scan_regex(terminals)
        kinds = [-1] * (self.regex.groups + 1)
        for name, index in self.regex.groupindex.items():
            kinds[index] = tid.get(name, -1)
        self.kinds = kinds

        n_states = len(table.states)
        assert set(table.states) == set(range(n_states))
        nonterminals = sorted({c.origin for c in compiled})
        actions = [[self.ERROR] * len(self.term_names) for _ in range(n_states)]
        gotos = {nt: [None] * n_states for nt in nonterminals}
        rid = {r: i for i, r in enumerate(rules)}
        for s, row in table.states.items():
            for sym, (act, arg) in row.items():
                if sym in gotos:
                    gotos[sym][s] = arg
                elif act.name == "Shift":
                    actions[s][tid[sym]] = arg
                else:
                    actions[s][tid[sym]] = ~rid[arg]
        self.start_state = table.start_states["start"]
        self.end_state = table.end_states["start"]
        self._skip_unit_reductions(actions, gotos, compiled)
        self.actions = actions
        self.rules = compiled
        self.reducers = [c.reducer(gotos[c.origin]) for c in compiled]

    def _skip_unit_reductions(self, actions, gotos, rules) -> None:
        """A state whose every action reduces by a pass-through rule of one symbol (`item:
        NAME`) is skipped: shifting into it and reducing at once leaves the same stacks as
        lark's reduce on the next token, and a token that state would reject is rejected after
        the reduction too (LALR lookaheads are a superset of the valid ones)."""
        def unit(state):
            row = {a for a in actions[state] if a != self.ERROR}
            if len(row) != 1 or next(iter(row)) >= 0:
                return None
            r = rules[~next(iter(row))]
            return r.origin if r.size == 1 and r.fn is None and r.keep is None else None

        def follow(base, target):
            seen = set()
            while target != self.end_state and target not in seen and (origin := unit(target)) is not None:
                seen.add(target)
                target = gotos[origin][base]
            return target

        for s, row in enumerate(actions):
            row[:] = [follow(s, a) if a >= 0 else a for a in row]
        for column in gotos.values():
            column[:] = [follow(s, g) if g is not None else None for s, g in enumerate(column)]

    def _stop(self, m: re.Match, t: int) -> ParseError:
        s, e = m.span()
        return ParseError(Token(self.term_names[t], m.group(), s, e))

    def parse(self, text: str) -> tuple[list, list[Token]]:
        """The chunk's lines and its ERRCHAR tokens; raises ParseError where the parse stops."""
        actions = self.actions
        reducers = self.reducers
        kinds = self.kinds
        names = self.term_names
        n_kept = self.n_kept
        errchar = self.errchar
        ERROR = self.ERROR
        state = self.start_state
        states: list = []   # states[i]: the state in which values[i] was pushed
        values: list = []
        bad: list[Token] = []
        for m in self.regex.finditer(text):
            t = kinds[m.lastindex]
            if t < n_kept:
                if t < 0:
                    continue
                s, e = m.span()
                tok = Token(names[t], m.group(), s, e)
            elif t == errchar:
                s, e = m.span()
                tok = Token("ERRCHAR", m.group(), s, e)
                bad.append(tok)
            else:
                tok = None
            a = actions[state][t]
            while a < 0:
                if a == ERROR:
                    raise self._stop(m, t)
                state = reducers[~a](values, states, state)
                a = actions[state][t]
            states.append(state)
            values.append(tok)
            state = a
        t = self.end_id
        a = actions[state][t]
        while a < 0 and a != ERROR:
            state = reducers[~a](values, states, state)
            if state == self.end_state:
                return values[-1], bad
            a = actions[state][t]
        raise ParseError(Token("$END", "", len(text), len(text)))


@lru_cache(maxsize=1)
def driver() -> LalrDriver:
    return LalrDriver(parser())


class ChunkParse:
    """The generic tree of one chunk, its comments and its bracket errors (all chunk-relative)."""

    __slots__ = ("lines", "comments", "errors")

    def __init__(self, lines: list[Line], comments: list[tuple[str, int, int]], errors: list[tuple[int, int, str]]):
        self.lines = lines
        self.comments = comments
        self.errors = errors


_CLOSER_NAME = {")": "')'", "]": "']'", "}": "'}'"}


def parse_chunk(chunk: str, parse=None) -> ChunkParse:
    """Parse one top-level element; bracket mistakes are repaired token by token and reported.

    `parse` (text → (lines, ERRCHAR tokens), raising ParseError) is the driver's by default;
    the equivalence test passes lark's own parser instead.
    """
    if parse is None:
        parse = driver().parse
    errors: list[tuple[int, int, str]] = []
    text = chunk
    appended = 0
    # Each round removes or adds one bracket, so the rounds are bounded by the brackets there are.
    for _ in range(len(chunk) + 2):
        try:
            lines, bad = parse(text)
        except ParseError as e:
            text, appended = _repair(text, chunk, e.token, errors, appended)
            continue
        comments = _comments(chunk) if "/" in chunk else []
        for t in bad:
            errors.append((t.start, t.end, _bad_char_message(t.value)))
        return ChunkParse(lines, comments, errors)
    return ChunkParse([], [], errors)  # pragma: no cover - unreachable: every round repairs


def _comments(chunk: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in SCAN_RE.finditer(chunk) if m.group()[:2] in ("//", "/*")]


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


def _repair(text: str, chunk: str, tok: Token, errors: list, appended: int) -> tuple[str, int]:
    """Report why the parse stopped at `tok` and return the text with one bracket repaired."""
    n = len(chunk)
    if tok.type == "$END":
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
    pos = tok.start
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
    end = min(tok.end or pos + 1, n)
    errors.append((pos, max(end, pos + 1), f"unexpected {tok.value!r}"))
    return _blank(text, pos, max(end, pos + 1)), appended
