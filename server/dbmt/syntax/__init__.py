"""Text → syntax model: chunking, cached LALR parses per element, interpretation, positions.

`parse_text` parses one file, `parse_files` many (on two cores when there is enough text, see
parallel.py). Each top-level element is parsed alone and its generic parse is cached by the
element's text, so re-parsing a big file after an edit only runs the parser on the elements
whose text changed (the others are re-interpreted at their new offsets).
"""

from __future__ import annotations

import re
from collections import OrderedDict

from . import nodes, parallel
from .blocks import iter_chunks, marked_chunks, run_chunks
from .generic import ChunkParse, parse_chunk
from .interpret import FileSyntax, Interpreter
from .positions import LineIndex

__all__ = ["ParsedFile", "ChunkSyntax", "parse_text", "parse_files", "changed_span", "nodes", "LineIndex"]


class ChunkCache:
    """LRU of chunk text → generic parse (offsets relative to the chunk)."""

    # Every version of an element typed in an editor lands here (~11 KB of generic parse per
    # table): a few thousand chunks serve undo and re-splits after an edit without growing
    # with the length of a session.
    def __init__(self, capacity: int = 4_096):
        self.capacity = capacity
        self.data: OrderedDict[str, ChunkParse] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, chunk: str) -> ChunkParse:
        cp = self.data.get(chunk)
        if cp is not None:
            self.hits += 1
            self.data.move_to_end(chunk)
            return cp
        self.misses += 1
        cp = parse_chunk(chunk)
        self.put(chunk, cp)
        return cp

    def put(self, chunk: str, cp: ChunkParse) -> None:
        self.data[chunk] = cp
        if len(self.data) > self.capacity:
            self.data.popitem(last=False)


DEFAULT_CACHE = ChunkCache()

# Between chunks there are only blanks and whole comments (blocks.iter_chunks starts a chunk at
# anything else, an unclosed `/*` included).
GAP_COMMENT_RE = re.compile(r"//[^\n]*|/\*[\s\S]*?\*/")


class ChunkSyntax:
    """One top-level chunk of a file, parsed: its range and what it holds (absolute offsets)."""

    __slots__ = ("start", "end", "elements", "errors", "marks", "comments", "dangling", "_moves")

    def __init__(self, start: int, end: int, syntax: FileSyntax, dangling: bool = False):
        self.start = start
        self.end = end
        self.dangling = dangling  # holds a string or comment opener that never closes
        # Most chunks hold no error, mark or comment: the shared empty tuple, not a list each.
        self.elements = syntax.elements
        self.errors = syntax.errors or ()
        self.marks = syntax.marks or ()
        self.comments = syntax.comments or ()
        self._moves = None  # what shift moves, flat (nodes.flat_plan), once it has moved

    def shift(self, delta: int) -> None:
        """Move the chunk and everything parsed in it (after an edit before it). The first
        move keeps a flat list of what it moves (nodes.flat_plan): a file being edited moves
        the chunks after each edit, and walking their nodes each time was ~45 % of an edit of
        a 2 MB file under the profiler (~15 % with the lists; edits 142–151 → 134–135 ms)."""
        self.start += delta
        self.end += delta
        if self._moves is None:
            self._moves = nodes.flat_plan((self.elements, self.marks, self.errors, self.comments))
        nodes.shift_flat(self._moves, delta)


class ParsedFile:
    """One file's syntax: elements, marks, comments, DBMT001 errors and its line index, and the
    chunks (top-level elements) they came from."""

    __slots__ = ("text", "chunks", "elements", "errors", "marks", "comments", "_lines", "_all_comments")

    def __init__(self, text: str, chunks: list[ChunkSyntax]):
        self.text = text
        self.chunks = chunks
        self.elements = [el for c in chunks for el in c.elements]
        self.errors = [err for c in chunks for err in c.errors]
        self.marks = [mk for c in chunks for mk in c.marks]
        self.comments = [cm for c in chunks for cm in c.comments]
        # Repairs may append a missing `}` past the end of the text: keep ranges inside it.
        n = len(text)
        for err in self.errors:
            if err.end > n:
                err.start = min(err.start, n)
                err.end = min(max(err.end, err.start), n)
        self.errors.sort(key=lambda err: err.start)
        self._lines: LineIndex | None = None
        self._all_comments: list[nodes.Comment] | None = None

    def all_comments(self) -> list[nodes.Comment]:
        """Every comment of the file in text order: those inside elements (`comments`) and those
        between them, which belong to no chunk (found on first use: editors fold and colour
        them, the checker never reads them)."""
        if self._all_comments is None:
            gaps = []
            at = 0
            for c in self.chunks + [None]:
                stop = c.start if c is not None else len(self.text)
                if stop > at:
                    gaps.extend(nodes.Comment(m.group(), m.start(), m.end())
                                for m in GAP_COMMENT_RE.finditer(self.text, at, stop))
                if c is not None:
                    at = max(at, c.end)
            self._all_comments = sorted(self.comments + gaps, key=lambda cm: cm.start)
        return self._all_comments

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines


def _chunk_from(text: str, start: int, end: int, cp: ChunkParse, dangling: bool) -> ChunkSyntax:
    """A chunk's generic parse, interpreted at its place in the file."""
    out = FileSyntax()
    for s, e, msg in cp.errors:
        out.errors.append(nodes.SyntaxError_("DBMT001", msg, start + s, start + e))
    for ctext, s, e in cp.comments:
        out.comments.append(nodes.Comment(ctext, start + s, start + e))
    # A repair's appended `}` lies past the chunk: places computed from it end at the chunk's
    # end (before a CRLF's CR: no position lies between the two).
    limit = end - 1 if end > start and text[end - 1] == "\r" and text[end:end + 1] == "\n" else end
    interp = Interpreter(out, start, limit)
    interp.top_lines(cp.lines)
    for err in out.errors:
        if err.end > limit:
            err.start = min(err.start, limit)
            err.end = max(limit, err.start)
    for el in out.elements:
        nodes.compact(el)
    return ChunkSyntax(start, end, out, dangling)


def _parse_chunk_at(text: str, start: int, end: int, cache: ChunkCache | None, dangling: bool = False) -> ChunkSyntax:
    chunk = text[start:end]
    return _chunk_from(text, start, end, cache.get(chunk) if cache is not None else parse_chunk(chunk), dangling)


def parse_text(text: str, cache: ChunkCache | None = DEFAULT_CACHE,
               previous: ParsedFile | None = None) -> ParsedFile:
    """Parse a file. With `previous` (the same file before an edit), only the chunks the edit
    touched are parsed again: the ones before it are taken as they are, the ones after it are
    moved. `previous` is consumed: its nodes now belong to the result."""
    if previous is None:
        chunks = [_parse_chunk_at(text, s, e, cache, d) for s, e, d in marked_chunks(text)]
    else:
        chunks = _reparse(previous, text, cache)
    return ParsedFile(text, chunks)


def parse_files(texts: list[str], cache: ChunkCache | None = None,
                parallel_min_chars: int | None = None) -> list[ParsedFile]:
    """parse_text of each text, on two cores when they hold at least parallel_min_chars
    characters (default: parallel.PARALLEL_MIN_CHARS with a forked worker, SPAWN_MIN_CHARS
    with a spawned one); the results are the same either way.

    A load keeps no generic parse by default (cache None): the typed model is what stays, and
    the generic parses of every chunk were a third of a loaded workspace's memory (35 of 111 MB
    traced at 2,000 tables). An edit re-parses the chunks it touches (parse_text with its
    `previous`), through the cache. Without a cache, the load still parses a chunk whose text
    equals one of the last parallel.LOAD_MEMO chunks' once (hostile and generated text repeats
    elements: 100,000 `Table t {` lines were 100,000 parses and repairs of one text)."""
    if cache is None:
        cache = ChunkCache(parallel.LOAD_MEMO)  # repeated chunks parsed once; kept for this load only
    method = parallel.start_method() if texts else None
    if method is not None:
        if parallel_min_chars is None:
            parallel_min_chars = parallel.PARALLEL_MIN_CHARS if method == "fork" else parallel.SPAWN_MIN_CHARS
        if sum(len(t) for t in texts) >= parallel_min_chars:
            return parallel.parse_in_parallel(
                texts, lambda t: parse_text(t, cache), _interpret, cache, method,
                parse_run=lambda t, stretch: _parse_run(t, stretch, cache),
                assemble_run=lambda t, spans, ok, cps: (_interpret_run(t, spans, cps), ok),
                join=lambda t, runs: _join_runs(t, runs, cache))
    return [parse_text(t, cache) for t in texts]


def _interpret_run(text: str, spans: list[tuple[int, int, bool]], cps: list[ChunkParse]) -> list[ChunkSyntax]:
    """Chunks from their places (blocks.marked_chunks) and generic parses (a worker's)."""
    return [_chunk_from(text, s, e, cp, d) for (s, e, d), cp in zip(spans, cps)]


def _interpret(text: str, spans: list[tuple[int, int, bool]], cps: list[ChunkParse]) -> ParsedFile:
    """A file from its chunks' places and generic parses (a worker's)."""
    return ParsedFile(text, _interpret_run(text, spans, cps))


def _parse_run(text: str, stretch: tuple[int, int], cache: ChunkCache) -> tuple[list[ChunkSyntax], bool]:
    """A stretch of one big file (parallel.plan_units) split and parsed, and whether it ended at
    a boundary between chunks."""
    spans, ok = run_chunks(text, *stretch)
    return [_parse_chunk_at(text, s, e, cache, d) for s, e, d in spans], ok


def _join_runs(text: str, runs: list, cache: ChunkCache) -> ParsedFile:
    """One big file from its stretches, parsed on both sides: [((a, b), (chunks, ended at a
    boundary))] in file order. A stretch that did not end at a boundary (its cut fell inside a
    string or a comment) ran on past it: the chunks after its start are split and parsed again
    here, from there to the end of the file."""
    chunks: list[ChunkSyntax] = []
    for (a, _b), (run, ok) in runs:
        if not ok:
            chunks.extend(_parse_chunk_at(text, s, e, cache, d) for s, e, d in run_chunks(text, a, len(text))[0])
            break
        chunks.extend(run)
    return ParsedFile(text, chunks)


def _reparse(previous: ParsedFile, text: str, cache: ChunkCache | None) -> list[ChunkSyntax]:
    old = previous.chunks
    start, old_end, new_end = changed_span(previous.text, text)
    delta = new_end - old_end
    # A chunk's end depends on the text after it: the next non-blank character (`Table x` then
    # `{` on the next line) and the whole next line (one that starts a top-level element ends
    # a chunk left open). So a chunk is kept only when both lie before the edit.
    keep = 0
    text_before = previous.text
    while (keep + 1 < len(old) and old[keep + 1].start < start and not old[keep].dangling
           and -1 < text_before.find("\n", old[keep].end + 1) < start):
        keep += 1
    # Just past the newline that ended the last kept chunk (or at its end, for a chunk that ended
    # mid-line after a `}`: the next element starts on that line).
    resume = 0
    if keep:
        resume = old[keep - 1].end + (1 if text_before[old[keep - 1].end:old[keep - 1].end + 1] == "\n" else 0)
    # Old chunks wholly after the edit, by where they start in the new text: once the re-split
    # starts a chunk at one of these, the rest of the file splits as before.
    after = {c.start + delta: i for i, c in enumerate(old) if c.start >= old_end}
    out = old[:keep]
    dangling: list[int] = []
    for s, e in iter_chunks(text, resume, dangling):
        j = after.get(s) if s >= new_end else None
        if j is not None:
            rest = old[j:]
            if delta:
                for c in rest:
                    c.shift(delta)
            out.extend(rest)
            return out
        out.append(_parse_chunk_at(text, s, e, cache, any(s <= d < e for d in dangling)))
        dangling.clear()
    return out


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """(start, old_end, new_end): the one stretch where two texts differ (common prefix and
    suffix stripped). Slices are compared in halving steps, so this runs at C speed."""
    n = min(len(old), len(new))
    lo, hi = 0, n
    while lo < hi:  # longest common prefix: old[:lo] == new[:lo]
        mid = (lo + hi + 1) // 2
        if old[lo:mid] == new[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    lo, hi = 0, n - prefix
    lo_old, lo_new = len(old), len(new)
    while lo < hi:  # longest common suffix not overlapping the prefix
        mid = (lo + hi + 1) // 2
        if old[lo_old - mid:lo_old - lo] == new[lo_new - mid:lo_new - lo]:
            lo = mid
        else:
            hi = mid - 1
    return prefix, len(old) - lo, len(new) - lo
