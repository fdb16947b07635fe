"""Splits a file into top-level elements (chunks) so each is parsed, cached and recovered alone.

The scan skips strings and comments with one compiled regex and only looks at brackets and
newlines, so it runs at C speed. A chunk ends at a newline outside every bracket, or just after
a `}` closing its body when another element starts on the same line (`} Table u {`, which DBML
accepts): then its end is mid-line, with no newline at it. An
unclosed `{` would otherwise swallow the rest of the file: a line that starts, at column 0,
the way only top-level elements start (`Table x {`, `Ref:`, `use {` …) closes the chunk early,
and the chunk's parse then reports the missing `}`.
"""

from __future__ import annotations

import re

# Strings and comments first (so their brackets are skipped), then the structural characters.
_SCAN = (
    # A mark and its arguments, as the lexer reads them (grammar/dbmt.lark MARK): a backtick, a
    # quote or a bracket in an argument is part of the mark there, so it is here too.
    r"""%[a-z_][a-z0-9_]*(?:[ \t]+(?:'[^'\n]*'|"[^"\n]*"|[^\s}'"\/]+|\/(?!\/))+)*|"""
    r"'''(?:[^'\\]|\\[\s\S]|'(?!''))*'''"
    r"|'(?:[^'\\\n]|\\[\s\S])*'"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|`(?:[^`\\]|\\[\s\S])*`"
    r"|//[^\n]*"
    r"|/\*[\s\S]*?\*/"
    # One literal per alternative, not a class: when every alternative starts with a literal,
    # the regex engine skips to the next candidate character in C (20% faster on 2 MB).
    r"|\{|\}|\(|\)|\[|\]|\n"
)
# The `/` of a `/*` that never closes is a token of its own (users skip it), so that every
# failed comment attempt is followed by a match (see `finditer`).
SCAN_RE = re.compile(_SCAN + r"|/(?=\*)")

# Lines that can only begin a top-level element: a new element while a `{` is still open means
# that `{` was never closed.
TOPLEVEL_START_RE = re.compile(
    r"(?:(?i:table|tablegroup|enum|project|tablepartial|diagramview)[ \t]+[^\n{]*\{"
    r"|(?i:ref)\b[^\n:{]*[:{]"
    r"|(?:use|reuse)[ \t]*[{*])"
)

OPENERS = {"(": ")", "[": "]", "{": "}"}
_DANGLING = "/'`"  # one-character tokens of CHUNK_SCAN_RE: openers that never close

# A block comment that never closes: the lazy `[\s\S]*?\*/` scans to the end of the text before
# it fails, and the scan goes on after the `/`, so N such openers cost N times the rest of the
# text. No `*/` lies after the last one (`text.rfind`), so from there on a regex without the
# comment alternative gives the same tokens: `finditer` switches to it there.
_BLOCK_COMMENT_FORMS = (r"(?>\/\*[\s\S]*?\*\/)", r"/\*[\s\S]*?\*/", r"\/\*[\s\S]*?\*\/")


def without_block_comments(pattern: str) -> re.Pattern:
    """`pattern` with every block-comment alternative replaced by one that never matches."""
    reduced = pattern
    for form in _BLOCK_COMMENT_FORMS:
        reduced = reduced.replace(form, "(?!)")
    if reduced == pattern:
        raise ValueError("pattern has no block-comment alternative")
    return re.compile(reduced)


def comment_bounds(text: str) -> tuple[int, int]:
    """(the last `*/`, the first `/*` that cannot close) of a text, -1 where there is none: what
    `finditer` and `iter_chunks` look up. Remembered for the last text asked about (by
    identity): the stretches of one big file are split one after another (run_chunks), and each
    search is a scan of the whole text."""
    global _LAST_BOUNDS
    last = _LAST_BOUNDS
    if last[0] is text:
        return last[1]
    last_close = text.rfind("*/")
    bounds = (last_close, text.find("/*", max(last_close - 1, 0)))
    _LAST_BOUNDS = (text, bounds)
    return bounds


_LAST_BOUNDS: tuple = (None, (-1, -1))


def finditer(full: re.Pattern, reduced: re.Pattern, text: str, pos: int = 0, endpos: int | None = None,
             bounds: tuple[int, int] | None = None):
    """`full.finditer(text, pos, endpos)` in linear time however many `/*` never close:
    `reduced` is `without_block_comments(full.pattern)`, used from the first token that starts
    where no `*/` follows (a comment attempt there can only fail). `full` must match at every
    `/` of a `/*` (each scanner here has an alternative for it), so that no failed attempt
    happens between two matches. `bounds`: comment_bounds(text), for a scan to the end."""
    if endpos is None:
        endpos = len(text)
    if bounds is not None and endpos == len(text):
        last_close, failing = bounds
        cut = (last_close if last_close >= pos else -1) - 1
        if failing < 0 or (cut < pos and text.find("/*", pos) < 0):
            return full.finditer(text, pos, endpos)
        return _switching(full, reduced, text, pos, endpos, cut)
    cut = text.rfind("*/", pos, endpos) - 1  # a `/*` at p closes only if a `*/` starts at p + 2 or later
    if text.find("/*", max(cut, pos), endpos) < 0:
        return full.finditer(text, pos, endpos)  # no opener that fails: the plain scan
    return _switching(full, reduced, text, pos, endpos, cut)


def _switching(full, reduced, text, pos, endpos, cut):
    for m in full.finditer(text, pos, endpos):
        yield m
        if m.end() > cut and m.end() > m.start():
            break
    else:
        return
    yield from reduced.finditer(text, m.end(), endpos)

# The chunk scanner also notes where a string or comment opens and never closes (the first
# character of `/*`, `'''`, `'`, a backtick): text added anywhere later may close it, so an
# incremental re-split cannot trust the chunks after such a place. Such an opener is a token of
# one character, `/`, `'` or a backtick (every other token that starts with one is longer). An
# unclosed triple quote is read as an empty `''` then a `'` (as the parser reads it): a `''`
# token followed by `'` is one (had the triple quote closed, its token would be the string).
# No group names them: a named group, or a look-ahead as the first alternative, made the regex
# engine try every position instead of skipping to candidate characters (0.092 → 0.038 s for
# the scan of the 1.9 MB benchmark file).
CHUNK_SCAN_RE = re.compile(SCAN_RE.pattern + r"|'|`")  # SCAN_RE's (its lone `/` of a `/*` too), and `'`, a backtick
SCAN_RE_NC = without_block_comments(SCAN_RE.pattern)
CHUNK_SCAN_RE_NC = without_block_comments(CHUNK_SCAN_RE.pattern)


def split_chunks(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each top-level element; blank and comment-only stretches between
    them are not chunks."""
    return list(iter_chunks(text))


def marked_chunks(text: str) -> list[tuple[int, int, bool]]:
    """split_chunks, with whether each chunk holds a string or comment opener that never
    closes (see CHUNK_SCAN_RE)."""
    out = []
    dangling: list[int] = []
    for s, e in iter_chunks(text, 0, dangling):
        out.append((s, e, any(s <= d < e for d in dangling)))
        dangling.clear()
    return out


def run_chunks(text: str, a: int, b: int) -> tuple[list[tuple[int, int, bool]], bool]:
    """marked_chunks of the stretch [a, b) of `text`, `a` a boundary between chunks (0, or an
    end `run_chunks` confirmed), and whether `b` is a boundary too (always, at the end of the
    text). Both cores split their own stretches of one big file this way (parallel.plan_units),
    instead of one splitting the whole file first."""
    out = []
    dangling: list[int] = []
    chunks = iter_chunks(text, a, dangling, b if b < len(text) else None)
    while True:
        try:
            s, e = next(chunks)
        except StopIteration as end:
            return out, b >= len(text) or bool(end.value)
        out.append((s, e, any(s <= d < e for d in dangling)))
        dangling.clear()


def iter_chunks(text: str, pos: int = 0, dangling: list[int] | None = None, stop: int | None = None):
    """The chunks of `text` from `pos`, which must lie between chunks (0, or just past the
    newline that ended one): a re-split after an edit starts at the last unaffected boundary
    and stops once it is back in step with the old chunks. Openers that never close are
    appended to `dangling`. With `stop`, the chunks that start before it; the generator then
    returns whether `stop` is a boundary too (`_boundary`: a split from `stop` goes on exactly
    as this one would)."""
    depth = 0          # open brackets of any kind
    stack: list[str] = []
    start = -1         # start of the current chunk, -1 between chunks
    n = len(text)
    if stop is None:
        stop = n + 1
    bounds = comment_bounds(text)
    last_close = bounds[0]
    for m in finditer(CHUNK_SCAN_RE, CHUNK_SCAN_RE_NC, text, pos, None, bounds):
        s = m.start()
        if s >= stop:
            return _boundary(text, start, pos, stop)
        tok = m.group()
        if len(tok) == 1 and tok in _DANGLING:
            if dangling is not None:
                dangling.append(s)
            continue  # skipped, as any character no token takes
        if tok == "''" and dangling is not None and text.startswith("'", m.end()):
            dangling.append(s)  # a triple quote that never closes (then read as `''`, `'`)
        if start < 0:
            # Anything non-blank before this token starts a chunk.
            seg = text[pos:s]
            stripped = seg.lstrip()
            if stripped:
                start = pos + (len(seg) - len(stripped))
            elif tok == "\n" or tok.startswith("//") or tok.startswith("/*"):
                pos = m.end()
                continue
            else:
                start = s
        c = tok[0]
        if tok == "\n":
            if depth <= 0:
                # Element ends here unless the next non-blank line opens its body: `Table x\n{`.
                nxt = _next_nonblank(text, s + 1, last_close)
                if nxt < n and text[nxt] == "{":
                    pos = m.end()
                    continue
                yield (start, s)
                start = -1
                depth = 0
                stack.clear()
            elif TOPLEVEL_START_RE.match(text, s + 1):
                yield (start, s)
                start = -1
                depth = 0
                stack.clear()
        elif len(tok) == 1 and c in "{([":
            stack.append(c)
            depth += 1
        elif len(tok) == 1 and c in "})]":
            # A closer that matches nothing open is a stray (the parse reports it), not an end.
            for i in range(len(stack) - 1, -1, -1):
                if OPENERS[stack[i]] == c:
                    del stack[i:]
                    break
            depth = len(stack)
            if c == "}" and depth == 0 and start >= 0:
                # DBML lets the next element start on the line a body closes on
                # (`} Table u {`): the chunk ends at the `}` (mid-line: no newline after it).
                j = m.end()
                while j < n and text[j] in " \t\r":
                    j += 1
                if j < n and text[j] != "\n" and TOPLEVEL_START_RE.match(text, j):
                    yield (start, m.end())
                    start = -1
                    stack.clear()
        pos = m.end()
    if stop <= n:
        return _boundary(text, start, pos, stop)
    if start < 0:
        seg = text[pos:]
        stripped = seg.lstrip()
        if stripped:
            start = pos + (len(seg) - len(stripped))
    if start >= 0:
        end = len(text.rstrip())
        if end > start:
            yield (start, end)


def _boundary(text: str, start: int, pos: int, stop: int) -> bool:
    """Whether a split that reached `stop` with these values of iter_chunks' state goes on from
    there as a fresh split from `stop` would: between chunks, and only blanks (spaces, tabs, a
    CR: none of them a token) between the end of the last token and `stop`. A split from `stop`
    then meets the same tokens and starts the next chunk at the same place. (A file whose lines
    end in lone CRs ends its chunks after a `}`, not at a newline.)"""
    return start < 0 and pos <= stop and not text[pos:stop].strip(" \t\r")


def _next_nonblank(text: str, i: int, last_close: int) -> int:
    """The next character that is neither blank nor in a comment (DBML allows comments between
    an element's header and the `{` of its body). Each call scans a stretch the main scan then
    passes over once more, so splitting stays linear; `last_close` is `text.rfind("*/")`, so
    a `/*` that never closes costs nothing here."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2) if i + 2 <= last_close else -1
            if j < 0:
                return i  # never closed: not a body's brace
            i = j + 2
        else:
            break
    return i


def unclosed_openers(text: str, upto: int) -> list[tuple[str, int]]:
    """Brackets opened before `upto` and not yet closed (innermost last), strings and comments
    skipped; a closer that matches nothing is ignored."""
    stack: list[tuple[str, int]] = []
    for m in finditer(SCAN_RE, SCAN_RE_NC, text, 0, upto):
        tok = m.group()
        if len(tok) != 1:
            continue
        if tok in OPENERS:
            stack.append((tok, m.start()))
        elif tok in ")]}":
            _close(stack, tok)
    return stack


def first_too_deep(text: str, limit: int) -> int | None:
    """The offset of the first opener that would make more than `limit` brackets open at once,
    read as `unclosed_openers` reads them; None if none does."""
    stack: list[tuple[str, int]] = []
    for m in finditer(SCAN_RE, SCAN_RE_NC, text):
        tok = m.group()
        if len(tok) != 1:
            continue
        if tok in OPENERS:
            if len(stack) == limit:
                return m.start()
            stack.append((tok, m.start()))
        elif tok in ")]}":
            _close(stack, tok)
    return None


def _close(stack: list[tuple[str, int]], closer: str) -> None:
    """A closer closes the innermost opener of its kind and everything inside it; one that
    matches nothing is ignored."""
    for i in range(len(stack) - 1, -1, -1):
        if OPENERS[stack[i][0]] == closer:
            del stack[i:]
            return
