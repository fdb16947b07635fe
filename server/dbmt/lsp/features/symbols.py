"""Document symbols (the outline: hierarchical, or flat for clients without hierarchy) and
workspace symbols (a fuzzy search over every declared name of every root, ranked and capped).
What a file declares comes from the engine (`outline.py`, kept per FileModel)."""

from __future__ import annotations

import heapq
import re

from lsprotocol import types

from ...outline import flat, outline

MAX_WORKSPACE_SYMBOLS = 200

KIND = {
    "table": types.SymbolKind.Class,
    "events": types.SymbolKind.Class,
    "partial": types.SymbolKind.Struct,
    "enum": types.SymbolKind.Enum,
    "variant": types.SymbolKind.EnumMember,
    "column": types.SymbolKind.Field,
    "group": types.SymbolKind.Namespace,
    "ref": types.SymbolKind.Operator,
    "note": types.SymbolKind.String,
    "project": types.SymbolKind.Module,
}
# Among equally good matches, the things people look for first.
KIND_RANK = {"table": 0, "events": 1, "enum": 1, "group": 2, "partial": 2, "note": 3, "project": 3,
             "ref": 4, "variant": 5, "column": 6}


# -- document symbols ---------------------------------------------------------------------------
def document_symbol(ctx, params: types.DocumentSymbolParams):
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return None
    fm = nav.index.files[path]
    entries = outline(fm)
    if ctx.client.hierarchical_symbols:
        def conv(e) -> types.DocumentSymbol:
            return types.DocumentSymbol(
                name=e.name or "?", kind=KIND[e.kind], detail=e.detail or None,
                range=ctx.range_of(path, e.start, e.end), selection_range=ctx.range_of(path, e.sel_start, e.sel_end),
                children=[conv(c) for c in e.children] or None)
        return [conv(e) for e in entries]
    uri = ctx.uri_of(path)
    return [types.SymbolInformation(name=e.name or "?", kind=KIND[e.kind], container_name=e.container,
                                    location=types.Location(uri=uri, range=ctx.range_of(path, e.start, e.end)))
            for e in flat(fm)]


# -- fuzzy matching -----------------------------------------------------------------------------
# Hand-written rather than a library: what editors mean by "fuzzy" for symbols is a subsequence
# match (VS Code, fzf), while the fuzzy-matching libraries on PyPI (rapidfuzz, thefuzz) rank by
# edit distance, which finds `RelShoeSupportsExt` for `rsse` not at all. A compiled regular
# expression does the subsequence test in C; only the names that pass are scored.

def _word_starts(name: str) -> list[int]:
    out = []
    prev = ""
    for i, ch in enumerate(name):
        if i == 0 or prev in "_.- " or (ch.isupper() and not prev.isupper()) or (ch.isdigit() and not prev.isdigit()):
            out.append(i)
        prev = ch
    return out


def score(query: str, name: str) -> int:
    """How well `query` (lower case) matches `name`: higher is better, 0 is no match. An exact
    name, then a prefix, a substring (earlier and at a word start is better), then a
    subsequence that hits word starts (`rsse` in `RelShoeSupportsExt`) and runs of letters."""
    low = name.lower()
    if not query:
        return 1
    if low == query:
        return 100_000 - len(name)
    if low.startswith(query):
        return 80_000 - len(name)
    i = low.find(query)
    if i >= 0:
        return (65_000 if i in _word_starts(name) else 60_000) - 10 * i - len(name)
    order = _word_starts(name)
    starts = set(order)
    total = _subsequence(low, query, order, starts, True)
    if total is None:  # hopping to word starts skipped letters the query needs later
        total = _subsequence(low, query, order, starts, False)
    return 0 if total is None else max(1, 20_000 + total - len(name))


def _subsequence(low: str, query: str, order: list[int], starts: set[int], hop: bool) -> int | None:
    pos, total, prev = 0, 0, -2
    for ch in query:
        k = low.find(ch, pos)
        if k < 0:
            return None
        if hop and k != prev + 1:
            # Prefer the next word start holding this letter, unless the letter continues a run.
            j = next((w for w in order if w >= pos and low[w] == ch), -1)
            if j >= 0:
                k = j
        total += 30 if k in starts else 0
        total += 20 if k == prev + 1 else -min(k - prev - 1, 10)
        prev, pos = k, k + 1
    return total


def _pattern(query: str) -> re.Pattern:
    return re.compile(".*?".join(re.escape(c) for c in query), re.IGNORECASE | re.DOTALL)


def _searchable(fm) -> tuple[str, list]:
    """A file's names joined (one regular-expression test per file first), and its entries."""
    got = getattr(fm, "_symbol_search", None)
    if got is None:
        entries = [e for e in flat(fm) if e.kind != "ref" or e.detail]
        got = fm._symbol_search = ("\n".join(_label(e) for e in entries), entries)
    return got


def _label(e) -> str:
    return f"{e.container}.{e.name}" if e.container else e.name


def workspace_symbol(ctx, params: types.WorkspaceSymbolParams):
    """Every root's declared names matching the query, best first, at most
    MAX_WORKSPACE_SYMBOLS (a generator: it yields between files)."""
    query = "".join(params.query.split()).lower()
    dotted = "." in query
    pat = _pattern(query) if query else None
    best: list[tuple] = []   # a heap of the best MAX_WORKSPACE_SYMBOLS: (score, -rank, name, path, entry)
    seen: set[str] = set()
    counter = 0
    for root in list(ctx.session.roots.values()):
        ws = root.ws
        if ws is None:
            continue
        for path, fm in ws.index.files.items():
            if path in seen:
                continue
            seen.add(path)
            joined, entries = _searchable(fm)
            if pat is not None and not pat.search(joined):
                yield
                continue
            for e in entries:
                label = _label(e) if dotted else e.name
                if pat is not None and not pat.search(label):
                    continue
                s = score(query, label)
                if s <= 0:
                    continue
                counter += 1
                item = (s, -KIND_RANK.get(e.kind, 9), -counter, path, e)
                if len(best) < MAX_WORKSPACE_SYMBOLS:
                    heapq.heappush(best, item)
                elif item > best[0]:
                    heapq.heapreplace(best, item)
            yield
    ranked = sorted(best, key=lambda t: (-t[0], -t[1], t[4].name, t[3], t[4].start))
    out = []
    for s, _r, _c, path, e in ranked:
        out.append(types.WorkspaceSymbol(
            name=e.name or "?", kind=KIND[e.kind], container_name=e.container,
            location=types.Location(uri=ctx.uri_of(path), range=ctx.range_of(path, e.sel_start, e.sel_end))))
    return out
