"""Text → syntax model: chunking, cached LALR parses per element, interpretation, positions.

`parse_text` parses one file, `parse_files` many (on two cores when there is enough text, see
parallel.py). Each top-level element is parsed alone and its generic parse is cached by the
element's text, so re-parsing a big file after an edit only runs the parser on the elements
whose text changed (the others are re-interpreted at their new offsets).
"""

from __future__ import annotations

from collections import OrderedDict

from . import nodes, parallel
from .blocks import split_chunks
from .generic import ChunkParse, parse_chunk
from .interpret import FileSyntax, Interpreter
from .positions import LineIndex

__all__ = ["ParsedFile", "parse_text", "parse_files", "nodes", "LineIndex"]


class ChunkCache:
    """LRU of chunk text → generic parse (offsets relative to the chunk)."""

    def __init__(self, capacity: int = 200_000):
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


class ParsedFile:
    """One file's syntax: elements, marks, comments, DBMT001 errors and its line index."""

    __slots__ = ("text", "elements", "errors", "marks", "comments", "_lines")

    def __init__(self, text: str, syntax: FileSyntax):
        self.text = text
        self.elements = syntax.elements
        self.errors = syntax.errors
        self.marks = syntax.marks
        self.comments = syntax.comments
        self._lines: LineIndex | None = None

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            self._lines = LineIndex(self.text)
        return self._lines


def parse_text(text: str, cache: ChunkCache | None = DEFAULT_CACHE) -> ParsedFile:
    spans = split_chunks(text)
    if cache is None:
        cps = [parse_chunk(text[s:e]) for s, e in spans]
    else:
        cps = [cache.get(text[s:e]) for s, e in spans]
    return _interpret(text, spans, cps)


def parse_files(texts: list[str], cache: ChunkCache | None = DEFAULT_CACHE,
                parallel_min_chars: int | None = None) -> list[ParsedFile]:
    """parse_text of each text, on two cores when they hold at least parallel_min_chars
    characters (default: parallel.PARALLEL_MIN_CHARS with a forked worker, SPAWN_MIN_CHARS
    with a spawned one); the results are the same either way."""
    method = parallel.start_method() if len(texts) > 1 else None
    if method is not None:
        if parallel_min_chars is None:
            parallel_min_chars = parallel.PARALLEL_MIN_CHARS if method == "fork" else parallel.SPAWN_MIN_CHARS
        if sum(len(t) for t in texts) >= parallel_min_chars:
            return parallel.parse_in_parallel(texts, lambda t: parse_text(t, cache), _interpret, cache, method)
    return [parse_text(t, cache) for t in texts]


def _interpret(text: str, spans: list[tuple[int, int]], cps: list[ChunkParse]) -> ParsedFile:
    out = FileSyntax()
    for (start, _), cp in zip(spans, cps):
        for s, e, msg in cp.errors:
            out.errors.append(nodes.SyntaxError_("DBMT001", msg, start + s, start + e))
        for ctext, s, e in cp.comments:
            out.comments.append(nodes.Comment(ctext, start + s, start + e))
        interp = Interpreter(out, start)
        for line in cp.lines:
            interp.top(line)
    # Repairs may append a missing `}` past the end of the text: keep ranges inside it.
    n = len(text)
    for err in out.errors:
        err.start = min(err.start, n)
        err.end = min(max(err.end, err.start), n)
    out.errors.sort(key=lambda err: err.start)
    return ParsedFile(text, out)
