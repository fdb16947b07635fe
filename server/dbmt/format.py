"""The formatter: one canonical layout for .dbmt and .dbml files (`dbmt-lsp --format-files`, and the
language server's formatting requests through `format_text` / `format_range`).

The layout: two spaces per nesting level; one blank line between top-level elements (none
between one-line elements that were adjacent, such as `use` lines); inside a body, at most one
blank line where the author left some, none after `{` or before `}`; column names, types and
settings aligned in each run of adjacent column lines (enum values and their settings too);
block marks first in their body, one per line, column marks after the settings; one blank
between tokens where DBML allows it, none inside brackets, before `,` and `:` or around `.`;
settings stay in the order written. Comments stay with the line they were written on (or above),
line endings stay what the file uses (CRLF or LF), and the text of strings is never touched.

How it stays safe: the file is split into its top-level elements (syntax/blocks.py) and each is
printed from its generic parse (lines, brackets, tokens) alone. An element with a syntax error
is left exactly as written, and so is one whose printed form would not mean the same: every
printed element is parsed again and its typed model (names, settings, marks, notes, values)
and comments are compared with the original's; when they differ, the original text is kept.
"""

from __future__ import annotations

import os
import re
import sys
from collections import Counter
from dataclasses import dataclass

from .syntax import DEFAULT_CACHE, nodes as n, parse_text
from .syntax.generic import Block, Group, Line, Token

MARK_BODIES = ("table", "tablepartial", "enum", "tablegroup")
INDENT = "  "
_MARK_RUN_RE = re.compile(r"(?:'[^'\n]*'?|\"[^\"\n]*\"?|[^\s'\"]+)+")


class _Unplaceable(Exception):
    """A comment sits where the canonical layout has no place for it (between tokens that the
    layout puts on one line): the element is left as written."""


@dataclass
class FormatResult:
    text: str
    kept: int = 0        # elements left as written because they have syntax errors
    fallbacks: int = 0   # elements left as written because their printed form meant something else


# -- the public API --------------------------------------------------------------------------

def format_text(text: str, path_is_dbml: bool = False) -> str:
    """The canonical layout of a whole file. `path_is_dbml`: the file is plain DBML, where `%`
    is an operator and marks are not a lexical form: elements holding one are left as written."""
    return format_file(text, path_is_dbml).text


def format_range(text: str, start: int, end: int, path_is_dbml: bool = False) -> list[tuple[int, int, str]]:
    """Edits (start, end, new text), in offsets of `text`, that format the top-level elements
    overlapping [start, end] (what textDocument/rangeFormatting and onTypeFormatting after `}`
    change); the rest of the file is not touched."""
    pf = parse_text(text)
    nl = newline_of(text)
    edits = []
    for ch in pf.chunks:
        if ch.dangling:
            break  # see format_file: the rest of the file stays as written
        if ch.end < start or ch.start > end:
            continue
        new, _how = _format_chunk(text, ch, nl, path_is_dbml)
        if new != text[ch.start:ch.end]:
            edits.append((ch.start, ch.end, new))
    return edits


def newline_of(text: str) -> str:
    """The file's line ending: CRLF when most of its lines end so."""
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def format_file(text: str, path_is_dbml: bool = False, verify: bool = True) -> FormatResult:
    """format_text with counts. verify=False skips re-parsing each printed element (for text
    this program generated and checks otherwise, like --expand's document: half the cost)."""
    pf = parse_text(text)
    nl = newline_of(text)
    res = FormatResult("")
    items: list[tuple[str, str, int, bool]] = []  # (kind, text, blank lines before (0/1), one line)
    pos = 0
    for ch in pf.chunks:
        pos = _gap(text, pos, ch.start, items)
        if ch.dangling:
            # A string or comment opened here never closes: to DBML the rest of the file may be
            # inside it, so none of it is the formatter's to change.
            rest = text[ch.start:].rstrip()
            res.kept += 1
            items.append(("element", rest, _blank(text, pos, ch.start), False))
            pos = len(text)
            break
        printed, how = _format_chunk(text, ch, nl, path_is_dbml, verify)
        res.kept += how == "kept"
        res.fallbacks += how == "fallback"
        items.append(("element", printed, _blank(text, pos, ch.start), "\n" not in printed))
        # An element with an unclosed `{` runs on to the next element: its blank lines at the
        # end are the separation, not its text.
        pos = ch.start + len(printed) if how != "formatted" else ch.end
    _gap(text, pos, len(text), items)
    out: list[str] = []
    for i, (kind, body, blank, one_line) in enumerate(items):
        if i:
            prev = items[i - 1]
            if kind == "element":
                if prev[0] == "comment" and blank == 0:
                    sep = nl  # the comment right above an element belongs to it
                elif prev[0] == "element" and prev[3] and one_line and blank == 0:
                    sep = nl  # adjacent one-line elements (`use` lines, one-line Refs) stay so
                else:
                    sep = nl + nl
            elif prev[0] == "comment" and blank == 0:
                sep = nl  # the same comment run
            elif _run_attached(items, i) and any(it[0] == "element" for it in items[:i]):
                sep = nl + nl  # a run above an element: the blank line between elements goes here
            else:
                sep = nl * (1 + blank)
            out.append(sep)
        out.append(body)
    res.text = ("".join(out) + nl) if out else ""
    return res


def _blank(text: str, start: int, end: int) -> int:
    """1 when the text between two things holds a blank line, else 0."""
    return 1 if text.count("\n", start, end) >= 2 else 0


def _run_attached(items, i: int) -> bool:
    """The comment run starting at items[i] goes on, without a blank line, down to an element."""
    j = i + 1
    while j < len(items) and items[j][2] == 0:
        if items[j][0] == "element":
            return True
        j += 1
    return False


_GAP_COMMENT_RE = re.compile(r"//[^\n]*|/\*[\s\S]*?\*/")


def _gap(text: str, start: int, end: int, items: list) -> int:
    """Comments between top-level elements, each on its own line, with the blank lines kept (one
    at most); returns where the last one ends."""
    pos = start
    for m in _GAP_COMMENT_RE.finditer(text, start, end):
        c = m.group()
        items.append(("comment", c.rstrip() if c.startswith("//") else c, _blank(text, pos, m.start()) if items else 0,
                      "\n" not in c))
        pos = m.end()
    return pos


# -- one element -----------------------------------------------------------------------------

def _format_chunk(text: str, ch, nl: str, is_dbml: bool, verify: bool = True) -> tuple[str, str]:
    """(printed element, how): how is "formatted", "kept" (syntax errors, or an element kind
    printed as written) or "fallback" (the printed form meant something else)."""
    src = text[ch.start:ch.end].rstrip()
    if ch.errors or any(el.kind == "generic" for el in ch.elements) or (is_dbml and ch.marks):
        return src, "kept"
    cp = DEFAULT_CACHE.get(src)
    if cp.errors:
        return src, "kept"
    try:
        printed = _Printer(src, cp, nl, is_dbml).chunk()
    except _Unplaceable:
        return src, "fallback"
    if printed == src or not verify:
        return printed, "formatted"
    if not _same(ch, parse_text(printed)):
        return src, "fallback"
    return printed, "formatted"


def same_meaning(before: str, after: str) -> bool:
    """Whether two texts parse to the same typed model (offsets aside) with the same comments."""
    return _same(parse_text(before), parse_text(after))


def _same(a, b) -> bool:
    """a, b: parsed files or chunks (elements, errors, comments)."""
    if [(e.code, e.message) for e in a.errors] != [(e.code, e.message) for e in b.errors]:
        return False
    if Counter(_comment_key(c.text) for c in a.comments) != Counter(_comment_key(c.text) for c in b.comments):
        return False
    return len(a.elements) == len(b.elements) and all(digest(x) == digest(y) for x, y in zip(a.elements, b.elements))


def _comment_key(text: str) -> str:
    return text.rstrip() if text.startswith("//") else text


_SKIP = {"start", "end", "name_end", "key_start", "key_end", "op_start", "body_start", "body_end",
         "generated_from", "injected_from", "generated_for",
         "_x", "_kx"}  # a name's and a setting key's source length beyond their text (a name's `quoted` is read instead)


_SLOTS: dict[type, tuple[str, ...]] = {}


def digest(node) -> object:
    """A node's content without positions: what formatting must keep."""
    t = type(node)
    if t is list or t is tuple:
        return tuple([digest(x) for x in node])
    if t is dict:
        return tuple(sorted((k, digest(v)) for k, v in node.items()))
    if t is n.QualifiedName:  # a tuple of names
        return ("QualifiedName",) + tuple([digest(x) for x in node])
    slots = _SLOTS.get(t)
    if slots is None:
        if not isinstance(node, n.Node):
            return node
        slots = _SLOTS[t] = tuple(sl for cls in t.__mro__ for sl in getattr(cls, "__slots__", ()) if sl not in _SKIP) \
            + (("quoted",) if t is n.Name else ())
    out = [t.__name__]
    for slot in slots:
        v = getattr(node, slot, None)
        if slot == "bad_args":
            v = [x for _s, _e, x in v]
        out.append(digest(v) if v is not None and type(v) not in (str, int, bool) else v)
    return tuple(out)


class _Printer:
    """Prints one element from its generic parse (chunk-relative offsets)."""

    def __init__(self, src: str, cp, nl: str, is_dbml: bool):
        self.src = src
        self.cp = cp
        self.nl = nl
        self.is_dbml = is_dbml
        self.out: list[str] = []
        # Every token and bracket, by start: comments attach to the one before them on their
        # line (trailing) or to the next one (leading, on lines of their own above it).
        spans: list[tuple[int, int]] = []
        self._collect(cp.lines, spans)
        spans.sort()
        self.leading: dict[int, list[str]] = {}
        self.trailing: dict[int, list[str]] = {}
        import bisect
        ends = [e for _s, e in spans]
        starts = [s for s, _e in spans]
        for ctext, s, e in cp.comments:
            ctext = ctext.rstrip() if ctext.startswith("//") else ctext
            i = bisect.bisect_right(ends, s) - 1
            # the last span ending at or before the comment (spans are disjoint once brackets
            # count as their two characters)
            while i >= 0 and ends[i] > s:
                i -= 1
            j = bisect.bisect_left(starts, e)
            if i >= 0 and "\n" not in src[ends[i]:s]:
                self.trailing.setdefault(starts[i], []).append(ctext)
            elif j < len(starts):
                self.leading.setdefault(starts[j], []).append(ctext)
            elif i >= 0:
                self.trailing.setdefault(starts[i], []).append(ctext)
            else:
                raise _Unplaceable()

    def _collect(self, lines, spans) -> None:
        for ln in lines:
            self._collect_items(ln.items, spans)
            if ln.block is not None:
                spans.append((ln.block.start, ln.block.start + 1))
                spans.append((ln.block.end - 1, ln.block.end))
                self._collect(ln.block.lines, spans)
            self._collect_items(ln.after, spans)

    def _collect_items(self, items, spans) -> None:
        for it in items:
            if type(it) is Group:
                spans.append((it.start, it.start + 1))
                spans.append((it.end - 1, it.end))
                self._collect_items(it.items, spans)
            else:
                spans.append((it.start, it.end))

    # -- rendering one line of items -----------------------------------------------------------
    def render(self, items: list) -> tuple[str, list[int]]:
        parts: list[str] = []
        starts: list[int] = []
        prev = None
        for it in items:
            if prev is not None:
                parts.append(_space(prev, it))
            if type(it) is Group:
                close = "]" if it.kind == "[" else ")"
                inner, ist = self.render(it.items)
                parts.append(it.kind + inner + close)
                starts.extend([it.start, *ist, it.end - 1])
            else:
                parts.append(_mark_text(it.value) if it.type == "MARK" else it.value)
                starts.append(it.start)
            prev = it
        return "".join(parts), starts

    def emit(self, depth: int, line: str, starts: list[int]) -> None:
        """One output line, with the comments its tokens carry."""
        for s in starts[1:]:
            if s in self.leading:
                raise _Unplaceable()
        for s in starts[:-1]:
            if s in self.trailing:
                raise _Unplaceable()
        pad = INDENT * depth
        if starts:
            for c in self.leading.get(starts[0], ()):
                self.out.append(pad + c)
            tail = self.trailing.get(starts[-1])
            if tail:
                line = line + " " + " ".join(tail)
        self.out.append((pad + line).rstrip() if "\n" not in line else pad + line)

    # -- structure -----------------------------------------------------------------------------
    def chunk(self) -> str:
        for ln in self.cp.lines:
            self.line(ln, 0, top=True)
        return self.nl.join(self.out)

    def line(self, ln: Line, depth: int, top: bool = False) -> None:
        head, hstarts = self.render(ln.items)
        if ln.block is None:
            self.emit(depth, head, hstarts)
            return
        b = ln.block
        kw = ln.items[0].value.lower() if ln.items and type(ln.items[0]) is Token and ln.items[0].type == "NAME" else ""
        after, astarts = self.render(ln.after)
        if top and kw in ("use", "reuse") and "\n" not in self.src[b.start:b.end] and len(b.lines) <= 1:
            inner, istarts = self.render(b.lines[0].items) if b.lines else ("", [])
            text = f"{head} {{ {inner} }}" if inner else f"{head} {{}}"
            self.emit(depth, text + (" " + after if after else ""), [*hstarts, b.start, *istarts, b.end - 1, *astarts])
            return
        opener = f"{head} {{" if head else "{"
        if not b.lines and b.end - 1 not in self.leading and b.start not in self.trailing:
            self.emit(depth, opener + "}" + (" " + after if after else ""), [*hstarts, b.start, b.end - 1, *astarts])
            return
        self.emit(depth, opener, [*hstarts, b.start])
        self.body(b, depth + 1, kw)
        for c in self.leading.pop(b.end - 1, ()):  # comments above the `}` belong to the body
            self.out.append(INDENT * (depth + 1) + c)
        self.emit(depth, "}" + (" " + after if after else ""), [b.end - 1, *astarts])

    def body(self, b: Block, depth: int, kw: str) -> None:
        members = b.lines
        blank_before = []
        prev_end = b.start + 1
        for m in members:
            gap = _COMMENTS_RE.sub("", self.src[prev_end:m.start])
            blank_before.append(gap.count("\n") >= 2)
            prev_end = m.end
        order = list(range(len(members)))
        if kw in MARK_BODIES and not self.is_dbml:
            marks = [i for i in order if _is_mark_line(members[i])]
            rest = [i for i in order if i not in set(marks)]
            order = marks + rest
            for i in marks:
                blank_before[i] = False
            if rest:
                blank_before[rest[0]] = False
        if order:
            blank_before[order[0]] = False
        rows: list = []  # pending aligned rows: (i, cells, starts)

        def flush():
            if not rows:
                return
            w1 = max(len(r[1][0]) for r in rows)
            w2 = max((len(r[1][1]) for r in rows if len(r[1]) > 2 and r[1][2]), default=0)
            for _i, cells, starts in rows:
                if len(cells) == 2:
                    line = cells[0].ljust(w1) + (" " + cells[1] if cells[1] else "")
                elif cells[2]:
                    line = f"{cells[0].ljust(w1)} {cells[1].ljust(w2)} {cells[2]}"
                else:
                    line = f"{cells[0].ljust(w1)} {cells[1]}"
                self.emit(depth, line, starts)
            rows.clear()

        for i in order:
            m = members[i]
            if blank_before[i]:
                flush()
                self.out.append("")
            cells = self.cells(m, kw)
            if cells is not None:
                rows.append((i, *cells))
                continue
            flush()
            self.line(m, depth)
        flush()

    def cells(self, m: Line, kw: str):
        """Aligned cells of a member line: (name, type, rest) for a column, (name, settings) for
        an enum value; None for other lines."""
        if m.block is not None or m.after or not m.items:
            return None
        items = m.items
        first = items[0]
        if type(first) is not Token or first.type not in ("NAME", "QNAME", "NUMBER"):
            return None
        if kw in ("table", "tablepartial"):
            if len(items) < 2 or type(items[1]) is not Token or items[1].type not in ("NAME", "QNAME"):
                return None
            j = 2
            while j + 1 < len(items) and _tok(items[j], "DOT") and _tok(items[j + 1], "NAME", "QNAME", "NUMBER"):
                j += 2
            if j < len(items) and type(items[j]) is Group and items[j].kind == "(":
                j += 1
            while j < len(items) and type(items[j]) is Group and items[j].kind == "[" and (
                    not items[j].items or (len(items[j].items) == 1 and _tok(items[j].items[0], "NUMBER"))):
                j += 1
            name, s1 = self.render(items[:1])
            typ, s2 = self.render(items[1:j])
            rest, s3 = self.render(items[j:])
            return (name, typ, rest), [*s1, *s2, *s3]
        if kw == "enum":
            if len(items) > 2 or (len(items) == 2 and not (type(items[1]) is Group and items[1].kind == "[")):
                return None
            name, s1 = self.render(items[:1])
            rest, s2 = self.render(items[1:])
            return (name, rest), [*s1, *s2]
        return None


_COMMENTS_RE = re.compile(r"//[^\n]*|/\*[\s\S]*?\*/")


def _tok(item, *types: str) -> bool:
    return type(item) is Token and item.type in types


def _is_mark_line(m: Line) -> bool:
    return bool(m.items) and _tok(m.items[0], "MARK") and m.block is None


def _mark_text(value: str) -> str:
    """`%name  a   b` → `%name a b` (blanks inside quoted arguments kept)."""
    return " ".join(_MARK_RUN_RE.findall(value))


def _space(a, b) -> str:
    ta = a.type if type(a) is Token else a.kind
    tb = b.type if type(b) is Token else b.kind
    adjacent = a.end == b.start
    if tb in ("COMMA", "COLON", "SEMI"):
        return ""
    if ta in ("COMMA", "COLON", "SEMI"):
        return " "
    if ta == "DOT" or tb == "DOT":
        if ta == "NUMBER" or tb == "NUMBER":
            return "" if adjacent else " "
        return ""
    if ta == "TILDE":
        return ""
    if tb == "(":
        return "" if adjacent else " "
    if tb == "[" and (not b.items or (len(b.items) == 1 and _tok(b.items[0], "NUMBER"))):
        return "" if adjacent else " "
    if ta == "OP" and tb == "NUMBER" and adjacent:
        return ""
    return " "


# -- the command line ------------------------------------------------------------------------

def files_under(paths: list[str]) -> list[str]:
    """The .dbmt/.dbml files named or under the folders named (each folder's workspace config
    decides include/exclude, as --check does)."""
    from pathlib import Path

    from .workspace.config import find_root, load_config
    from .workspace.files import discover

    out: list[str] = []
    for p in paths:
        pp = Path(p)
        if pp.is_file():
            out.append(str(pp.resolve()))
        elif pp.is_dir():
            found = find_root(pp, fallback=Path.cwd())
            base = str(pp.resolve())
            out.extend(f for f in discover(pp.resolve(), load_config(found.path, found.config_file)) if f.startswith(base))
        else:
            raise FileNotFoundError(p)
    return list(dict.fromkeys(out))


def main(paths: list[str], check_only: bool = False) -> int:
    """`dbmt-lsp --format-files [PATH …] [--check-only]`. Exit 0: done (check-only: every file is
    formatted); 1: check-only and some file is not; 2: usage or I/O error."""
    from .workspace.config import ConfigError

    try:
        files = files_under(paths)
    except FileNotFoundError as e:
        print(f"dbmt-lsp: no such file or directory: {e.args[0]}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"dbmt-lsp: {e}", file=sys.stderr)
        return 2
    changed = 0
    rc = 0
    cwd = os.getcwd()
    for f in files:
        rel = os.path.relpath(f, cwd)
        if not (f.endswith(".dbmt") or f.endswith(".dbml")):
            print(f"dbmt-lsp: not a .dbmt or .dbml file: {rel}", file=sys.stderr)
            return 2
        try:
            with open(f, "rb") as fh:
                data = fh.read()
        except OSError as e:
            print(f"dbmt-lsp: cannot read {rel}: {e.strerror}", file=sys.stderr)
            rc = 2
            continue
        bom = data.startswith(b"\xef\xbb\xbf")
        try:
            text = data[3 if bom else 0:].decode("utf-8")
        except UnicodeDecodeError:
            print(f"dbmt-lsp: {rel}: not valid UTF-8, left as it is", file=sys.stderr)
            rc = 2
            continue
        res = format_file(text, f.endswith(".dbml"))
        if res.kept:
            print(f"{rel}: {res.kept} element{'s' if res.kept != 1 else ''} with syntax errors left as written",
                  file=sys.stderr)
        if res.text == text:
            continue
        changed += 1
        if check_only:
            print(f"{rel}: not formatted")
            continue
        try:
            tmp = f + ".dbmt-format.tmp"
            with open(tmp, "wb") as fh:
                fh.write((b"\xef\xbb\xbf" if bom else b"") + res.text.encode("utf-8"))
            os.replace(tmp, f)
        except OSError as e:
            print(f"dbmt-lsp: cannot write {rel}: {e.strerror}", file=sys.stderr)
            rc = 2
            continue
        print(f"{rel}: formatted")
    word = "would be reformatted" if check_only else "reformatted"
    print(f"{changed} file{'s' if changed != 1 else ''} {word}, {len(files) - changed} unchanged", file=sys.stderr)
    if rc:
        return rc
    return 1 if check_only and changed else 0


__all__ = ["format_text", "format_range", "format_file", "FormatResult", "same_meaning", "digest", "newline_of", "main"]
