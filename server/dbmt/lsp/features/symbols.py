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
# edit distance, which finds `RelShoeSupportsExt` for `rsse` not at all.
#
# Kinds of match, best first (each scored minus the name's length, so shorter names win ties):
#   exact name 100,000 · prefix 80,000 · substring at a word start 65,000, elsewhere 60,000
#   (minus 10 per character before it) · the query begins the name's initials (`rsse` for
#   RelShoeSupportsExt) 40,000 · any other subsequence 20,000 minus twice the letters its
#   leftmost alignment skips.
# A workspace search runs one regular expression per kind over each file's names (one per
# line, in C) and stops once its best list is full of matches the next kind cannot beat; the
# regular expressions never backtrack (each gap stops at the next letter wanted).

EXACT, PREFIX, WORD, SUBSTRING, INITIALS, SUBSEQUENCE = 100_000, 80_000, 65_000, 60_000, 40_000, 20_000


def _word_starts(name: str) -> list[int]:
    out = []
    prev = ""
    for i, ch in enumerate(name):
        if i == 0 or prev in "_.- " or (ch.isupper() and not prev.isupper()) or (ch.isdigit() and not prev.isdigit()):
            out.append(i)
        prev = ch
    return out


def _initials(name: str) -> str:
    low = name.lower()
    return "".join(low[i] for i in _word_starts(name))


def _substring_score(query: str, name: str, i: int) -> int:
    if i == 0:
        return (EXACT if len(name) == len(query) else PREFIX) - len(name)
    prev, ch = name[i - 1], name[i]
    at_word = prev in "_.- " or (ch.isupper() and not prev.isupper()) or (ch.isdigit() and not prev.isdigit())
    return (WORD if at_word else SUBSTRING) - 10 * i - len(name)


def _skipped(low: str, query: str) -> int | None:
    """Letters the leftmost alignment of `query` in `low` skips after its first letter (None:
    not a subsequence)."""
    k = low.find(query[0])
    if k < 0:
        return None
    first = k
    for ch in query[1:]:
        k = low.find(ch, k + 1)
        if k < 0:
            return None
    return k + 1 - first - len(query)


def score(query: str, name: str) -> int:
    """How well `query` (lower case) matches `name`: higher is better, 0 is no match (the
    ranking of workspace symbols, for one name)."""
    if not query:
        return 1
    low = name.lower()
    i = low.find(query)
    if i >= 0:
        return _substring_score(query, name, i)
    if _initials(name).startswith(query):
        return INITIALS - len(name)
    skipped = _skipped(low, query)
    return 0 if skipped is None else max(1, SUBSEQUENCE - 2 * skipped - len(name))


class _Names:
    """One file's searchable names (kept on its FileModel): lower-cased, one per line, and
    their initials likewise; `at` / `at_initials` map where a line starts to its entry."""

    __slots__ = ("entries", "originals", "ranks", "text", "at", "initials", "at_initials")

    def __init__(self, entries: list, labels: bool):
        self.entries = entries
        self.originals = [_label(e) if labels else e.name for e in entries]
        self.ranks = [KIND_RANK.get(e.kind, 9) for e in entries]
        self.text, self.at = _joined([o.lower() for o in self.originals])
        self.initials, self.at_initials = _joined([_initials(o) for o in self.originals])


def _joined(lines: list[str]) -> tuple[str, dict[int, int]]:
    """`\\nline\\nline…\\n` and where each line's leading newline is → its index. Patterns
    start with that newline: a literal first character lets the regular-expression engine
    skip ahead in C (an anchor `^` is tried at every character)."""
    at = {}
    pos = 0
    clean = []
    for i, ln in enumerate(lines):
        ln = ln.replace("\n", " ")
        clean.append(ln)
        at[pos] = i
        pos += len(ln) + 1
    return "\n" + "\n".join(clean) + "\n", at


def _names(fm, labels: bool) -> _Names:
    key = "_symbol_labels" if labels else "_symbol_names"
    got = getattr(fm, key, None)
    if got is None:
        got = _Names([e for e in flat(fm) if e.kind != "ref" or e.detail], labels)
        setattr(fm, key, got)
    return got


def _label(e) -> str:
    return f"{e.container}.{e.name}" if e.container else e.name


def _gaps(query: str) -> str:
    return "".join(f"[^{re.escape(c)}\n]*{re.escape(c)}" for c in query)


def _passes(query: str):
    """(kind, regular expression over a file's lines, the best score a match can have), best
    kind first; each excludes what an earlier one finds."""
    q = re.escape(query)
    k = len(query)
    # Prefix matches rank by length alone: shorter ones are found first, in steps, and the
    # search stops at the first step that fills the list.
    steps = [(0, 0), (1, 3), (4, 7), (8, 15), (16, 31), (32, None)]
    prefix = [("prefix", re.compile(f"\\n{q}[^\\n]{{{lo},{'' if hi is None else hi}}}(?=\\n)"), EXACT if lo == 0 else PREFIX - k - lo)
              for lo, hi in steps]
    return prefix + [
        ("substring", re.compile(f"\\n(?!{q})[^\\n]*?{q}"), WORD),
        ("initials", re.compile(f"\\n{q}"), INITIALS),
        ("subsequence", re.compile(f"\\n(?![^\\n]*{q}){_gaps(query)}"), SUBSEQUENCE),
    ]


def workspace_symbol(ctx, params: types.WorkspaceSymbolParams):
    """Every root's declared names matching the query, best first, at most
    MAX_WORKSPACE_SYMBOLS (a generator: it yields between files)."""
    query = "".join(params.query.split()).lower()
    labels = "." in query
    files = []
    seen_paths: set[str] = set()
    for root in list(ctx.session.roots.values()):
        if root.ws is None:
            continue
        for path, fm in root.ws.index.files.items():
            if path not in seen_paths:
                seen_paths.add(path)
                files.append((path, fm))
    k = len(query)
    # Candidates are (score × 16 − kind rank, −file number, −index): plain tuples of ints, so
    # the best are picked by heapq.nlargest in C.
    best: list[tuple[int, int, int]] = []
    passes = _passes(query) if query else [("prefix", re.compile("\\n[^\\n]*(?=\\n)"), EXACT)]
    for kind, rx, ceiling in passes:
        if len(best) >= MAX_WORKSPACE_SYMBOLS and best[-1][0] > ceiling * 16:
            break
        cands = list(best)
        taken = {(f, i) for _s, f, i in best} if kind in ("initials", "subsequence") else None
        for f, (path, fm) in enumerate(files):
            names = _names(fm, labels)
            at, originals, ranks = names.at, names.originals, names.ranks
            if kind == "prefix":
                for m in rx.finditer(names.text):
                    i = at[m.start()]
                    n = m.end() - m.start() - 1
                    cands.append((((EXACT if n == k else PREFIX) - n) * 16 - ranks[i], -f, -i))
            elif kind == "substring":
                for m in rx.finditer(names.text):
                    i = at[m.start()]
                    cands.append((_substring_score(query, originals[i], m.end() - k - m.start() - 1) * 16 - ranks[i], -f, -i))
            elif kind == "initials":
                at_i = names.at_initials
                for m in rx.finditer(names.initials):
                    i = at_i[m.start()]
                    if (-f, -i) not in taken:
                        taken.add((-f, -i))
                        cands.append(((INITIALS - len(originals[i])) * 16 - ranks[i], -f, -i))
            else:
                for m in rx.finditer(names.text):
                    i = at[m.start()]
                    if (-f, -i) in taken:
                        continue
                    first = names.text.find(query[0], m.start())
                    skipped = m.end() - first - k
                    cands.append((max(1, SUBSEQUENCE - 2 * skipped - len(originals[i])) * 16 - ranks[i], -f, -i))
            yield
        best = heapq.nlargest(MAX_WORKSPACE_SYMBOLS, cands)
    out = []
    for _s, f, i in best:
        path, fm = files[-f]
        e = _names(fm, labels).entries[-i]
        out.append(types.WorkspaceSymbol(
            name=e.name or "?", kind=KIND[e.kind], container_name=e.container,
            location=types.Location(uri=ctx.uri_of(path), range=ctx.range_of(path, e.sel_start, e.sel_end))))
    return out
