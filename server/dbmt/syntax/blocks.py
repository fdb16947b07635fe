"""Splits a file into top-level elements (chunks) so each is parsed, cached and recovered alone.

The scan skips strings and comments with one compiled regex and only looks at brackets and
newlines, so it runs at C speed. A chunk ends at a newline outside every bracket. An
unclosed `{` would otherwise swallow the rest of the file: a line that starts, at column 0,
the way only top-level elements start (`Table x {`, `Ref:`, `use {` …) closes the chunk early,
and the chunk's parse then reports the missing `}`.
"""

from __future__ import annotations

import re

# Strings and comments first (so their brackets are skipped), then the structural characters.
SCAN_RE = re.compile(
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

# Lines that can only begin a top-level element: a new element while a `{` is still open means
# that `{` was never closed.
TOPLEVEL_START_RE = re.compile(
    r"(?:(?i:table|tablegroup|enum|project|tablepartial|diagramview)[ \t]+[^\n{]*\{"
    r"|(?i:ref)\b[^\n:{]*[:{]"
    r"|(?:use|reuse)[ \t]*[{*])"
)

OPENERS = {"(": ")", "[": "]", "{": "}"}

# The chunk scanner also notes where a string or comment opens and never closes (the first
# character of `/*`, `'''`, `'`, a backtick): text added anywhere later may close it, so an
# incremental re-split cannot trust the chunks after such a place.
CHUNK_SCAN_RE = re.compile(SCAN_RE.pattern + r"|(?P<dangling>/(?=\*)|'|`)")


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


def iter_chunks(text: str, pos: int = 0, dangling: list[int] | None = None):
    """The chunks of `text` from `pos`, which must lie between chunks (0, or just past the
    newline that ended one): a re-split after an edit starts at the last unaffected boundary
    and stops once it is back in step with the old chunks. Openers that never close are
    appended to `dangling`."""
    depth = 0          # open brackets of any kind
    stack: list[str] = []
    start = -1         # start of the current chunk, -1 between chunks
    n = len(text)
    for m in CHUNK_SCAN_RE.finditer(text, pos):
        if m.lastgroup == "dangling":
            if dangling is not None:
                dangling.append(m.start())
            continue  # skipped, as any character no token takes
        tok = m.group()
        s = m.start()
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
                nxt = _next_nonblank(text, s + 1)
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
        pos = m.end()
    if start < 0:
        seg = text[pos:]
        stripped = seg.lstrip()
        if stripped:
            start = pos + (len(seg) - len(stripped))
    if start >= 0:
        end = len(text.rstrip())
        if end > start:
            yield (start, end)


def _next_nonblank(text: str, i: int) -> int:
    """The next character that is neither blank nor in a comment (DBML allows comments between
    an element's header and the `{` of its body). Each call scans a stretch the main scan then
    passes over once more, so splitting stays linear."""
    n = len(text)
    while i < n:
        c = text[i]
        if c in " \t\r\n\f":
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
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
    for m in SCAN_RE.finditer(text, 0, upto):
        tok = m.group()
        if len(tok) != 1:
            continue
        if tok in OPENERS:
            stack.append((tok, m.start()))
        elif tok in ")]}":
            for i in range(len(stack) - 1, -1, -1):
                if OPENERS[stack[i][0]] == tok:
                    del stack[i:]
                    break
    return stack
