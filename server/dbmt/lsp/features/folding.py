"""Folding ranges (element bodies and the nested `{ }` of indexes, checks, records and notes;
multi-line comments and runs of `//` lines; runs of `use` lines; multi-line `'''` strings) and
selection ranges (name → member line → block → element), from the file's syntax model."""

from __future__ import annotations

from lsprotocol import types

from ...syntax import nodes as n


def _file(ctx, uri: str):
    path = ctx.path_of(uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return path, None, None
    return path, nav, nav.index.files[path]


# -- folding --------------------------------------------------------------------------------------
def _strings(el) -> list[n.Value]:
    """The string values of an element that may span lines (notes, settings, fields)."""
    out = list(el.notes)
    for s in el.settings:
        if s.value is not None:
            out.append(s.value)
    for c in getattr(el, "columns", ()):
        out.extend(s.value for s in c.settings if s.value is not None)
    for v in getattr(el, "values", ()):
        out.extend(s.value for s in v.settings if s.value is not None)
    out.extend(getattr(el, "fields", {}).values())
    return [v for v in out if v.kind in ("string", "expression")]


def folding_range(ctx, params: types.FoldingRangeParams):
    path, nav, fm = _file(ctx, params.text_document.uri)
    if fm is None:
        return None
    li = ctx.lines(path)
    if li is None:
        return None
    text = li.text
    line_of = ctx.codec.line_of
    out: list[types.FoldingRange] = []

    def add(start: int, end: int, kind=None) -> None:
        a, b = line_of(li, start), line_of(li, end)
        if b > a:
            out.append(types.FoldingRange(start_line=a, end_line=b, kind=kind))

    def block(header: int, close: int) -> None:
        """From the header's line to the line before a `}` standing alone on its line (so the
        brace stays visible), or to the brace's line when text precedes it there."""
        b = line_of(li, close)
        before = text[li.starts[b]:close]
        end_line = b - 1 if not before.strip() else b
        a = line_of(li, header)
        if end_line > a:
            out.append(types.FoldingRange(start_line=a, end_line=end_line))

    run: list = []   # consecutive `use` elements

    def end_run() -> None:
        if run:
            add(run[0].start, run[-1].end, types.FoldingRangeKind.Imports)
            run.clear()

    for el in fm.parsed.elements:
        if el.kind == "use":
            run.append(el)
            continue
        end_run()
        if el.body_end > el.body_start:
            block(el.start, el.body_end - 1)
        for b in el.blocks:
            block(b.start, b.end - 1)
        for v in _strings(el):
            add(v.start, v.end - 1)
    end_run()

    # Comments: a multi-line one, or a run of `//` lines that hold nothing else.
    comment_run: list = []

    def end_comments() -> None:
        if len(comment_run) > 1:
            add(comment_run[0].start, comment_run[-1].start, types.FoldingRangeKind.Comment)
        comment_run.clear()

    for cm in fm.parsed.all_comments():
        if cm.text.startswith("/*"):
            end_comments()
            add(cm.start, cm.end - 1, types.FoldingRangeKind.Comment)
            continue
        line = line_of(li, cm.start)
        alone = not text[li.starts[line]:cm.start].strip()
        if not alone:
            end_comments()
            continue
        if comment_run and line_of(li, comment_run[-1].start) != line - 1:
            end_comments()
        comment_run.append(cm)
    end_comments()

    out.sort(key=lambda r: (r.start_line, -r.end_line))
    limit = ctx.client.folding_range_limit
    return out[:limit] if limit else out


# -- selection ranges -------------------------------------------------------------------------------
def _member_spans(el, offset: int) -> list[tuple[int, int]]:
    """The parts of an element that hold `offset`, smallest last: settings, mark arguments,
    member lines, nested blocks, the body."""
    spans: list[tuple[int, int]] = []

    def holds(node) -> bool:
        return node.start <= offset <= node.end

    members = []
    members.extend(getattr(el, "columns", ()))
    members.extend(getattr(el, "values", ()))
    members.extend(getattr(el, "indexes", ()))
    members.extend(getattr(el, "checks", ()))
    members.extend(getattr(el, "relationships", ()))
    members.extend(getattr(el, "tables", ()))
    members.extend(getattr(el, "specifiers", ()))
    members.extend(getattr(el, "injections", ()))
    members.extend(el.marks)
    members.extend(el.notes)
    for m in members:
        if not holds(m):
            continue
        spans.append((m.start, m.end))
        for s in getattr(m, "settings", ()):
            if holds(s):
                spans.append((s.start, s.end))
        for mk in getattr(m, "marks", ()):
            if holds(mk):
                spans.append((mk.start, mk.end))
        for a in getattr(m, "args", ()):
            if holds(a):
                spans.append((a.start, a.end))
        if isinstance(m, n.Mark) and m.start <= offset <= m.name_end:
            spans.append((m.start, m.name_end))
    for s in el.settings:
        if holds(s):
            spans.append((s.start, s.end))
    for b in el.blocks:
        if holds(b):
            spans.append((b.start, b.end))
            if b.end - b.start > 2:
                spans.append((b.start + 1, b.end - 1))
    if el.body_end > el.body_start and el.body_start <= offset <= el.body_end:
        spans.append((el.body_start, el.body_end))
        if el.body_end - el.body_start > 2:
            spans.append((el.body_start + 1, el.body_end - 1))  # the inside of the braces
    return spans


def selection_range(ctx, params: types.SelectionRangeParams):
    path, nav, fm = _file(ctx, params.text_document.uri)
    if fm is None:
        return None
    out = []
    for pos in params.positions:
        offset = ctx.offset_of(path, pos)
        spans: list[tuple[int, int]] = []
        el = nav.element_at(path, offset)
        if el is not None and el.start <= offset <= el.end:
            spans.append((el.start, el.end))
            spans.extend(_member_spans(el, offset))
        occ = nav.at(path, offset)
        if occ is not None:
            spans.append((occ.start, occ.end))
        # Smallest first; each kept range holds the one before it.
        spans = sorted(set(spans), key=lambda se: (se[1] - se[0], -se[0]))
        chain: list[tuple[int, int]] = []
        for s, e in spans:
            if not chain or (s <= chain[-1][0] and chain[-1][1] <= e):
                if not chain or (s, e) != chain[-1]:
                    chain.append((s, e))
        if not chain:
            chain = [(offset, offset)]
        sel = None
        for s, e in reversed(chain):
            sel = types.SelectionRange(range=ctx.range_of(path, s, e), parent=sel)
        out.append(sel)
    return out
