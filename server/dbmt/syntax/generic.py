"""Drives lark's LALR parse table over one chunk and builds the generic line/bracket tree in one pass.

lark analyses grammar/dbmt.lark into terminals and a parse table; `LalrDriver` runs that table
from the matches of one compiled scanner regex and calls the transformer's methods on each
reduction (no lark Tree, no lark Token: tokens are small `Token` objects with offsets). Offsets
are relative to the chunk, so a parse result depends only on the chunk's text and can be cached
and reused wherever the chunk moves in its file. Recovery repairs brackets one token at a time,
so every round consumes input.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path

from .blocks import OPENERS, SCAN_RE, SCAN_RE_NC, finditer, first_too_deep, unclosed_openers, without_block_comments


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


class _Flags(threading.local):
    bad: list | tuple = (True,)


class _Build:
    """Turns reductions straight into lists and Group/Block/Line objects.

    One method per rule, as a lark Transformer has: `LalrDriver` calls them on each reduction,
    and lark's own parser runs them too when given this object (the equivalence test does).

    `flags.bad` is the list of ERRCHAR tokens the parse has shifted so far (LalrDriver sets
    it): a line or group is reduced after its tokens are shifted, so while it is empty no child
    is an ERRCHAR and the children are taken as they are. Under lark's parser it stays truthy:
    every list is filtered. It is per thread: the language server parses an edit while it may
    be indexing in another thread, with the one driver.
    """

    def __init__(self):
        self.flags = _Flags()

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
        if self.flags.bad:
            items = _clean(items)
            after = _clean(after)
        if not items and block is None and not after:
            return None
        first = items[0] if items else block
        last = after[-1] if after else (block if block is not None else items[-1])
        return Line(items, block, after, first.start, last.end)

    def paren(self, children):
        inner = children[1] if len(children) == 3 else []
        return Group("(", children[0].start, children[-1].end, _clean(inner) if self.flags.bad else inner)

    def bracket(self, children):
        inner = children[1] if len(children) == 3 else []
        return Group("[", children[0].start, children[-1].end, _clean(inner) if self.flags.bad else inner)

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


@lru_cache(maxsize=1)
def parser():
    """lark's LALR analysis of grammar/dbmt.lark, the source of the terminals and parse table
    (imported only when the table is not cached: lark's import and analysis take ~60 ms)."""
    from lark import Lark
    from lark.lexer import Lexer

    class ScanLexer(Lexer):
        """A placeholder: lark needs a lexer to build a parser; `LalrDriver` scans itself."""

        def __init__(self, lexer_conf):
            pass

        def lex(self, lexer_state, parser_state):  # pragma: no cover - see LalrDriver.parse
            raise NotImplementedError("dbmt drives lark's parse table itself: use LalrDriver")

    return Lark(_grammar_text(), parser="lalr", lexer=ScanLexer, transformer=_Build(),
                maybe_placeholders=False)


class ParseError(Exception):
    """The parse stopped at `token` (type `$END` at the end of the chunk)."""

    def __init__(self, token: Token):
        super().__init__(f"unexpected {token.type} at {token.start}")
        self.token = token


def _stop_at_end(n: int, resume: tuple) -> ParseError:
    stop = ParseError(Token("$END", "", n, n))
    stop.resume = resume
    return stop


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
    return re.compile("|".join(f"(?:{regexp})(?P<{name}>)" for name, regexp in terminals))


class _Rule:
    """One grammar rule as lark's parse-tree builder would call it."""

    __slots__ = ("size", "keep", "fn", "origin")

    def __init__(self, rule: dict, transformer):
        expansion = rule["expansion"]  # [name, is terminal, filtered out]
        keep = [i for i, (name, is_term, filter_out) in enumerate(expansion)
                if rule["keep_all_tokens"] or not (is_term and filter_out)]
        if any(not expansion[i][1] and expansion[i][0].startswith("_") for i in keep):
            raise NotImplementedError(f"inlined rule in {rule['origin']}: not supported by LalrDriver")
        self.size = len(expansion)
        self.keep = None if len(keep) == len(expansion) else tuple(keep)
        self.origin = rule["origin"]
        if rule["expand1"] and not rule["alias"] and len(keep) == 1:
            self.fn = None  # `?rule` with one child: the child itself
        else:
            self.fn = getattr(transformer, rule["callback"], None)
            if self.fn is None:
                raise NotImplementedError(f"no transformer method for rule {rule['callback']!r}")

    def reducer(self, goto: list):
        """(values, states, current state) → the state after this reduction. `goto[s]` is the
        state reached on this rule's nonterminal from state s; states[i] is the state in which
        values[i] was pushed."""
        size, keep, fn = self.size, self.keep, self.fn
        # The list rules (`items: items item | item`, `lines: lines _NL line`) are most of the
        # reductions (3 in 5 on the benchmark schema): what _Build's method does to the
        # children, done on the stack itself, without the slice and the call.
        method = getattr(fn, "__func__", None)
        if method is _Build.items and keep is None and size == 2:
            def reduce(values, states, state):
                v = values.pop()
                values[-1].append(v)
                del states[-1]
                return goto[states[-1]]
            return reduce
        if method is _Build.items and keep is None and size == 1:
            def reduce(values, states, state):
                values[-1] = [values[-1]]
                return goto[states[-1]]
            return reduce
        if method is _Build.lines and keep == (0, 2) and size == 3:
            def reduce(values, states, state):
                line = values[-1]
                del values[-2:]
                del states[-2:]
                if line is not None:
                    values[-1].append(line)
                return goto[states[-1]]
            return reduce
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

    def __init__(self, tables: dict, transformer):
        rules = tables["rules"]
        compiled = [_Rule(r, transformer) for r in rules]
        self.transformer = transformer

        # Terminal ids: those whose tokens reach callbacks first, then ERRCHAR (also reported),
        # then those every rule drops (shifted as None), then $END; ignored terminals are -1.
        terminals = tables["terminals"]  # [name, regexp] in the order lark tries them
        ignore = set(tables["ignore"])
        used = [name for name, _ in terminals if name not in ignore]
        dropped = {name for r in rules for name, is_term, filter_out in r["expansion"] if is_term and filter_out}
        dropped -= {sym[0] for r, c in zip(rules, compiled) for i, sym in enumerate(r["expansion"])
                    if sym[1] and (c.keep is None or i in c.keep)}
        kept = [n for n in used if n not in dropped and n != "ERRCHAR"]
        self.term_names = kept + ["ERRCHAR"] + sorted(dropped) + ["$END"]
        tid = {name: i for i, name in enumerate(self.term_names)}
        self.n_kept = len(kept)
        self.errchar = tid["ERRCHAR"]
        self.end_id = tid["$END"]
        self.regex = scan_regex(terminals)
        self.regex_nc = without_block_comments(self.regex.pattern)  # see blocks.finditer
        kinds = [-1] * (self.regex.groups + 1)
        for name, index in self.regex.groupindex.items():
            kinds[index] = tid.get(name, -1)
        self.kinds = kinds

        states = tables["states"]  # per state: [symbol, shift?, target state or rule index]
        n_states = len(states)
        nonterminals = sorted({c.origin for c in compiled})
        actions = [[self.ERROR] * len(self.term_names) for _ in range(n_states)]
        gotos = {nt: [None] * n_states for nt in nonterminals}
        for s, row in enumerate(states):
            for sym, shift, arg in row:
                if sym in gotos:
                    gotos[sym][s] = arg
                elif shift:
                    actions[s][tid[sym]] = arg
                else:
                    actions[s][tid[sym]] = ~arg
        # Every target in range, so a damaged cached table fails here, not in a parse.
        assert all(0 <= a < n_states or self.ERROR < a < 0 and ~a < len(rules) or a == self.ERROR
                   for row in actions for a in row)
        assert all(g is None or 0 <= g < n_states for column in gotos.values() for g in column)
        self.start_state = tables["start"]
        self.end_state = tables["end"]
        assert 0 <= self.start_state < n_states and 0 <= self.end_state < n_states
        self._skip_unit_reductions(actions, gotos, compiled)
        self.actions = actions
        self.rules = compiled
        self.reducers = [c.reducer(gotos[c.origin]) for c in compiled]
        self._sizes = [c.size for c in compiled]
        self._gotos = [gotos[c.origin] for c in compiled]

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

    def open_brackets(self, text: str) -> list[tuple[str, int]]:
        """Brackets left open at the end of `text` as this lexer reads it (innermost last). The
        fast scan (blocks.unclosed_openers) skips strings and comments but knows no marks: a
        mark's arguments may hold a backtick or a bracket the lexer takes as part of the mark
        (`%access co`nfidential`), so the two can disagree about what is open."""
        names = self.term_names
        kinds = self.kinds
        closer_of = {"RPAR": "(", "RSQB": "[", "RBRACE": "{"}
        opener = {"LPAR": "(", "LSQB": "[", "LBRACE": "{"}
        stack: list[tuple[str, int]] = []
        for m in finditer(self.regex, self.regex_nc, text):
            t = kinds[m.lastindex]
            if t < 0:
                continue
            name = names[t]
            if name in opener:
                stack.append((opener[name], m.start()))
            elif name in closer_of:
                want = closer_of[name]
                for i in range(len(stack) - 1, -1, -1):
                    if stack[i][0] == want:
                        del stack[i:]
                        break
        return stack

    def _end_accepted(self, state: int, states: list) -> bool:
        """Whether the parse would accept `$END` here: the reductions it takes, simulated on the
        states alone, so a parse that stops at the end leaves its stacks as they were (and can
        be resumed with text appended, `parse(…, resume=…)`)."""
        actions, sizes, gotos, end, ERROR = self.actions, self._sizes, self._gotos, self.end_id, self.ERROR
        depth = len(states)   # entries of `states` still under the simulated ones
        extra: list = []      # entries the simulated reductions pushed
        a = actions[state][end]
        while a < 0 and a != ERROR:
            r = ~a
            size = sizes[r]
            if size == 0:
                extra.append(state)
                state = gotos[r][state]
            else:
                pop = size - 1
                k = min(pop, len(extra))
                if k:
                    del extra[len(extra) - k:]
                depth -= pop - k
                state = gotos[r][extra[-1] if extra else states[depth - 1]]
            if state == self.end_state:
                return True
            a = actions[state][end]
        return False

    def resumable(self, stop: "ParseError", before: str, after: str):
        """The resume point of a parse of `before` that stopped at its end, if `after` is
        `before` with only newlines and `}` appended and scans the same up to the last token the
        parser took (that token does not run on into what follows it; ignored text after it, a
        space, is scanned again with what was appended); else None."""
        r = getattr(stop, "resume", None)
        n = len(before)
        if r is None or r[4] is None or len(after) <= n or after[n:].strip("\n}") or not after.startswith(before):
            return None
        start, end, index = r[4]
        if "/*" in after[start:]:
            return None
        m = self.regex.match(after, start)
        return r if m is not None and m.end() == end and m.lastindex == index else None

    def parse(self, text: str, resume=None) -> tuple[list, list[Token]]:
        """The chunk's lines and its ERRCHAR tokens; raises ParseError where the parse stops. A
        stop at the end carries `resume` (its stacks, untouched), which `resumable` checks and
        `parse(longer text, resume)` continues from: bracket repairs that only append closers
        parse what was appended, not the whole chunk again (the stacks are taken over)."""
        actions = self.actions
        reducers = self.reducers
        kinds = self.kinds
        names = self.term_names
        n_kept = self.n_kept
        errchar = self.errchar
        ERROR = self.ERROR
        if resume is None:
            state = self.start_state
            states: list = []   # states[i]: the state in which values[i] was pushed
            values: list = []
            bad: list[Token] = []
            pos = 0
        else:
            state, states, values, bad, last = resume
            pos = last[1]
        self.transformer.flags.bad = bad  # see _Build: while no ERRCHAR is shifted, nothing is filtered
        m = None
        shifted = None  # the last token that reached the parser (an ignored one may follow it)
        for m in finditer(self.regex, self.regex_nc, text, pos):
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
            shifted = m
        if not self._end_accepted(state, states):
            if shifted is not None:
                last = (shifted.start(), shifted.end(), shifted.lastindex)
            else:
                last = resume[4] if resume is not None else None
            # Made by a call, not held in a local here: this frame, kept by the traceback,
            # would hold the error that holds the traceback (a cycle only a full collection
            # frees, and with it every caller's frame and locals: a load's whole workspace).
            raise _stop_at_end(len(text), (state, states, values, bad, last))
        t = self.end_id
        a = actions[state][t]
        while a < 0 and a != ERROR:
            state = reducers[~a](values, states, state)
            if state == self.end_state:
                return values[-1], bad
            a = actions[state][t]
        raise ParseError(Token("$END", "", len(text), len(text)))  # pragma: no cover - _end_accepted said so


def tables_from_lark(lark) -> dict:
    """What LalrDriver needs of lark's analysis, as plain data: terminals in the order lark
    tries them, the rules with their child filters, and the LALR(1) states."""
    lexer = lark.lexer_conf
    table = lark.parser.parser._parse_table
    rules = sorted({arg for row in table.states.values() for act, arg in row.values() if act.name == "Reduce"},
                   key=lambda r: (r.origin.name, r.order))
    rid = {r: i for i, r in enumerate(rules)}
    assert set(table.states) == set(range(len(table.states)))
    return {
        "terminals": [[t.name, t.pattern.to_regexp()] for t in ordered_terminals(lexer.terminals)],
        "ignore": sorted(lexer.ignore),
        "rules": [{
            "origin": r.origin.name,
            "expansion": [[sym.name, sym.is_term, bool(sym.is_term and sym.filter_out)] for sym in r.expansion],
            "keep_all_tokens": bool(r.options.keep_all_tokens),
            "expand1": bool(r.options.expand1),
            "alias": r.alias,
            "callback": r.alias or r.options.template_source or r.origin.name,
        } for r in rules],
        "states": [[[sym, act.name == "Shift", arg if act.name == "Shift" else rid[arg]]
                    for sym, (act, arg) in table.states[s].items()] for s in range(len(table.states))],
        "start": table.start_states["start"],
        "end": table.end_states["start"],
    }


# Bump when the shape of tables_from_lark's output changes.
TABLES_FORMAT = 1


def table_cache_path(grammar: str) -> Path | None:
    """Where the tables for this grammar text are kept between runs: the user's cache folder
    (DBMT_CACHE_DIR, else $XDG_CACHE_HOME/dbmt or ~/.cache/dbmt; %LOCALAPPDATA%/dbmt/cache)."""
    base = os.environ.get("DBMT_CACHE_DIR")
    if not base:
        if os.name == "nt":
            local = os.environ.get("LOCALAPPDATA")
            base = os.path.join(local, "dbmt", "cache") if local else None
        else:
            base = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "dbmt")
    if not base:
        return None
    key = hashlib.sha256(f"{TABLES_FORMAT}\n{grammar}".encode()).hexdigest()[:32]
    return Path(base) / f"parse-tables-{key}.json"


def _read_tables(path: Path | None) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path is not None else None
    except (OSError, ValueError):
        return None


def _write_tables(path: Path | None, tables: dict) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(tables, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)  # readers see the old file or the whole new one
    except OSError:
        pass


@lru_cache(maxsize=1)
def driver() -> LalrDriver:
    """The driver for grammar/dbmt.lark. lark's analysis is kept in the user's cache folder,
    keyed by the grammar text: a damaged or foreign file is ignored and rewritten."""
    path = table_cache_path(_grammar_text())
    tables = _read_tables(path)
    if tables is not None:
        try:
            return LalrDriver(tables, _Build())
        except (KeyError, IndexError, TypeError, ValueError, AssertionError, NotImplementedError, re.error):
            pass
    tables = tables_from_lark(parser())
    _write_tables(path, tables)
    return LalrDriver(tables, _Build())


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
    text = _unclosed_comments(chunk, errors) if "/*" in chunk else chunk
    text = _cut_too_deep(text, errors)
    appended = 0
    # Each round removes or adds one bracket, so the rounds are bounded by the brackets there are;
    # each round parses the whole chunk again, so the characters parsed are counted against a
    # budget linear in the chunk's size. Past it, the rest of the element from the line of the
    # next error is not read (one diagnostic says so) and what is open there is closed.
    budget = REPAIR_BUDGET_FACTOR * len(chunk) + REPAIR_BUDGET_FLOOR
    spent = 0
    gave_up = False
    drv = driver()
    resume = None  # where a parse that stopped at the end goes on, when the repair only appended
    for _ in range(len(chunk) + 2):
        spent += len(text)
        try:
            lines, bad = parse(text) if resume is None else drv.parse(text, resume)
        except ParseError as e:
            resume = None
            if gave_up:
                break  # pragma: no cover - the text left is a parsed prefix, its brackets closed
            if e.token.type != "$END" and spent + len(text) > budget:
                text, appended = _give_up(text, e.token, errors, appended)
                gave_up = True
                continue
            before = text
            text, appended = _repair(text, chunk, e.token, errors, appended)
            if e.token.type == "$END" and parse == drv.parse:
                resume = drv.resumable(e, before, text)
            continue
        comments = _comments(chunk) if "/" in chunk else []
        for t in bad:
            errors.append((t.start, t.end, _bad_char_message(t.value)))
        return ChunkParse(lines, comments, _cap_unclosed(errors))
    return ChunkParse([], [], errors)  # pragma: no cover - unreachable: every round repairs


# DBML nests a few brackets deep (a table's body, an index's settings, a default's parentheses);
# more than MAX_NESTING open at once is not a schema. The element is read up to the bracket
# that opens one too many, and what is open there is closed as usual: a million `{` cost the
# parse a million nested blocks and the repair a million closers (clang stops at 256 too).
MAX_NESTING = 256
TOO_DEEP = f"brackets nested more than {MAX_NESTING} deep: the rest of this element is not read"


def _cut_too_deep(text: str, errors: list) -> str:
    """`text` blanked from the bracket that opens the (MAX_NESTING + 1)th one still open
    (blocks.first_too_deep), line breaks kept so positions stay; the text itself when no point
    nests that deep."""
    if text.count("{") + text.count("(") + text.count("[") <= MAX_NESTING:
        return text
    at = first_too_deep(text, MAX_NESTING)
    if at is None:
        return text
    errors.append((at, at + 1, TOO_DEEP))
    return text[:at] + _NOT_BREAKS_RE.sub(_spaces, text[at:])


_NOT_BREAKS_RE = re.compile(r"[^\r\n]+")


def _spaces(m: re.Match) -> str:
    return " " * (m.end() - m.start())


UNCLOSED_COMMENT = "unterminated comment: this '/*' is never closed (a block comment ends with '*/')"


def _unclosed_comments(chunk: str, errors: list) -> str:
    """Name every `/*` that never closes (the scan matches closed comments whole, so a `/` it
    yields alone opens one that does not), and leave the rest of its line out of the parse:
    typed in an editor, it would be the comment."""
    cuts = [m.start() for m in finditer(SCAN_RE, SCAN_RE_NC, chunk) if m.group() == "/"]
    if not cuts:
        return chunk
    parts, last = [], 0
    for at in cuts:
        if at < last:
            continue  # on a line already left out
        end = _line_end(chunk, at)
        errors.append((at, at + 2, UNCLOSED_COMMENT))
        parts += [chunk[last:at], " " * (end - at)]
        last = end
    parts.append(chunk[last:])
    return "".join(parts)


def _comments(chunk: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in finditer(SCAN_RE, SCAN_RE_NC, chunk) if m.group()[:2] in ("//", "/*")]


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


# parse_chunk's repair rounds may parse REPAIR_BUDGET_FACTOR times the chunk's characters plus
# REPAIR_BUDGET_FLOOR: an element of a few KB gets hundreds of repairs, a 1 MB one a few.
REPAIR_BUDGET_FACTOR = 2
REPAIR_BUDGET_FLOOR = 128 * 1024
TOO_MANY_ERRORS = "too many syntax errors in this element: the rest of it is not read"


def _give_up(text: str, tok: Token, errors: list, appended: int) -> tuple[str, int]:
    """The repair budget is spent: report it at `tok`, blank the element from the start of
    `tok`'s line (newlines kept, so positions stay), and close what is still open there."""
    cut = text.rfind("\n", 0, tok.start) + 1
    end = min(len(text), max(tok.end, tok.start + 1))
    errors.append((tok.start, end, TOO_MANY_ERRORS))
    rest = text[cut:]
    text = text[:cut] + re.sub(r"[^\n]", " ", rest)
    stack = unclosed_openers(text, len(text))
    if not stack:
        return text, appended
    return _close_all(text, stack, errors, appended)


# An element reports at most this many brackets that are never closed (the first ones in the
# text); the last one reported says how many more there are.
UNCLOSED_LIMIT = 100


def _cap_unclosed(errors: list) -> list:
    unclosed = [e for e in errors if " is never closed: expected " in e[2]]
    if len(unclosed) <= UNCLOSED_LIMIT:
        return errors
    unclosed.sort(key=lambda e: e[0])
    more = len(unclosed) - UNCLOSED_LIMIT
    s, e, msg = unclosed[UNCLOSED_LIMIT - 1]
    last = (s, e, f"{msg} (and {more} more bracket{'s' if more != 1 else ''} after this one {'are' if more != 1 else 'is'} never closed)")
    keep = set(unclosed[:UNCLOSED_LIMIT - 1])
    return [x for x in errors if " is never closed: expected " not in x[2] or x in keep] + [last]


def _close_all(text: str, stack: list[tuple[str, int]], errors: list, appended: int) -> tuple[str, int]:
    """Every bracket still open at the end, repaired in one round (innermost first, as one
    round per bracket would: a `{` gets a `}` appended, a `(` or `[` costs the rest of its
    line). A `{` on such a line goes with it, so it gets no `}`. One round, not one parse per
    bracket: `Table t {` 5,000 times on a line was 5,000 parses of the whole line."""
    said: dict[str, str] = {}  # one message per kind of bracket, however many are open
    for opener, at in reversed(stack):
        msg = said.get(opener)
        if msg is None:
            msg = said[opener] = f"'{opener}' is never closed: expected {_CLOSER_NAME[OPENERS[opener]]}"
        errors.append((at, at + 1, msg))
    pieces: list[str] = []
    braces = 0
    done = 0        # text before this is in `pieces`
    blank_to = -1   # end of the line of the last `(` or `[` blanked
    for opener, at in stack:  # outermost first
        if at < blank_to:
            continue  # on a line already blanked from an outer `(` or `[`
        if opener == "{":
            braces += 1
            continue
        blank_to = _line_end(text, at)
        pieces.append(text[done:at])
        pieces.append(" " * (blank_to - at))
        done = blank_to
    pieces.append(text[done:])
    pieces.append("\n}" * braces)
    return "".join(pieces), appended + braces


def _repair(text: str, chunk: str, tok: Token, errors: list, appended: int) -> tuple[str, int]:
    """Report why the parse stopped at `tok` and return the text with one bracket repaired."""
    n = len(chunk)
    if tok.type == "$END":
        stack = unclosed_openers(text, len(text)) or driver().open_brackets(text)
        if not stack:
            # Cannot happen with this grammar: report it and read no more of the element (one
            # round, not one per character: appending a newline would not change the verdict).
            errors.append((max(n - 1, 0), n, "unexpected end of the element"))
            return _give_up(text, tok, errors, appended)
        return _close_all(text, stack, errors, appended)
    pos = tok.start
    if tok.type in ("RPAR", "RSQB", "RBRACE"):
        stack = unclosed_openers(text, pos)
        # The innermost open bracket is unclosed only if this closer closes an outer one;
        # a closer that matches nothing open is simply extra.
        if stack and OPENERS[stack[-1][0]] != tok.value and any(OPENERS[o] == tok.value for o, _ in stack):
            # Every opener this closer passes over, innermost first, in one round (one round
            # each made `((((…` then `}` cost a parse per `(`): each costs the rest of its line,
            # and the closer too once it lies on such a line.
            pieces: list[str] = []
            done = len(text)
            line_start = line_end = -1  # the line of the last opener (they come right to left)
            said: dict[str, str] = {}  # one message per kind of bracket passed over
            while stack and OPENERS[stack[-1][0]] != tok.value:
                opener, at = stack.pop()
                msg = said.get(opener)
                if msg is None:
                    msg = said[opener] = f"'{opener}' is never closed: expected {_CLOSER_NAME[OPENERS[opener]]} before '{tok.value}'"
                errors.append((at, at + 1, msg))
                if at < 0:
                    end = at
                else:
                    if not line_start <= at < line_end:  # one search per line, not per opener
                        line_end = _line_end(text, at)
                        line_start = text.rfind("\n", 0, at) + 1
                    end = line_end
                if end < done:
                    pieces.append(text[end:done])
                    pieces.append(" " * (end - at))
                else:
                    pieces.append(" " * (done - at))
                done = at
                if pos < end:
                    break  # the closer itself is blanked: the parse goes on past it
            pieces.append(text[:done])
            return "".join(reversed(pieces)), appended
        errors.append((pos, pos + 1, f"unexpected '{tok.value}': nothing to close here"))
        return _blank(text, pos, pos + 1), appended
    end = min(tok.end or pos + 1, n)
    errors.append((pos, max(end, pos + 1), f"unexpected {tok.value!r}"))
    return _blank(text, pos, max(end, pos + 1)), appended
