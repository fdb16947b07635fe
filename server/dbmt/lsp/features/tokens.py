"""Semantic tokens (full, full/delta with result ids, range): every name a file writes, as the
engine's occurrences classify it (tables, columns, enums, variants, groups, partials, notes;
declarations apart from references), marks as their own type, and the element keywords, setting
keys, strings, numbers, relationship operators and comments of the syntax model. Names that
exist only because a mark generates them are not in the text and get no token; a written name
of a generated thing (an events table in a Ref) is `readonly`."""

from __future__ import annotations

from lsprotocol import types

from ...check.extensions import TRIGGERS
from ...check.marks import ALL_EXTS
from ...check.traits import ACCESS_LEVELS
from ...navigate import collect

TOKEN_TYPES = ["namespace", "type", "class", "enum", "interface", "struct", "property", "enumMember",
               "decorator", "macro", "keyword", "string", "comment", "number", "operator", "label"]
TOKEN_MODIFIERS = ["declaration", "definition", "readonly", "defaultLibrary"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

T = {name: i for i, name in enumerate(TOKEN_TYPES)}
DECLARATION, DEFINITION, READONLY, DEFAULT_LIBRARY = 1, 2, 4, 8

KIND_TYPE = {"table": T["class"], "enum": T["enum"], "variant": T["enumMember"], "column": T["property"],
             "group": T["interface"], "partial": T["struct"], "note": T["label"]}
WORDS = set(TRIGGERS) | set(ACCESS_LEVELS)   # the fixed vocabularies of mark arguments
MARK = -1          # placeholder type: `decorator`, or `macro` for clients that know no `decorator`
RESOLVE_TYPE = -2  # a column type: an enum when one of that name is visible, else a plain type
RESOLVE_TABLE = -3  # a table name: readonly when it names a generated events table
KEPT_RESULTS = 64  # documents whose last result is kept for deltas


# -- what a file's text holds ---------------------------------------------------------------------
def raw_tokens(fm) -> list[tuple]:
    """(start, end, type, modifiers, occurrence) for a file, in text order, never overlapping;
    `type` may be a placeholder resolved per request (MARK, RESOLVE_*). Kept on the FileModel."""
    got = getattr(fm, "_semantic_raw", None)
    if got is not None:
        return got
    out: list[tuple] = []
    add = out.append
    covered: set[int] = set()
    for o in collect(fm).items:
        if o.kind == "file":
            continue  # the path is a string
        tag = o.spec[0]
        mods = 0
        if o.role == "decl":
            mods = DECLARATION | (DEFINITION if tag in ("decl", "coldecl", "variantdecl", "eventsdecl") else 0)
            if tag == "eventsdecl":
                mods |= READONLY
        if tag == "type":
            add((o.start, o.end, RESOLVE_TYPE, 0, o))
        elif o.kind == "table" and o.role == "ref":
            add((o.start, o.end, RESOLVE_TABLE, 0, o))
        else:
            add((o.start, o.end, KIND_TYPE.get(o.kind, T["class"]), mods, None))
        covered.add(o.start)
    parsed = fm.parsed
    for mk in parsed.marks:
        add((mk.start, mk.name_end, MARK, 0, None))
        for a in mk.args:
            if a.start in covered:
                continue
            if a.kind == "integer":
                add((a.start, a.end, T["number"], 0, None))
            elif a.kind == "string":
                add((a.start, a.end, T["string"], 0, None))
            elif a.text == ALL_EXTS:
                add((a.start, a.end, T["keyword"], DEFAULT_LIBRARY, None))
            elif a.text in WORDS:
                add((a.start, a.end, T["enumMember"], DEFAULT_LIBRARY, None))
    for el in parsed.elements:
        _element(el, add)
    for cm in parsed.all_comments():
        add((cm.start, cm.end, T["comment"], 0, None))
    out.sort(key=lambda t: (t[0], -t[1]))
    kept: list[tuple] = []
    end = -1
    for t in out:
        if t[0] >= end and t[1] > t[0]:
            kept.append(t)
            end = t[1]
    fm._semantic_raw = kept
    return kept


def _value(v, add) -> None:
    if v is None:
        return
    if v.kind == "string":
        add((v.start, v.end, T["string"], 0, None))
    elif v.kind == "number":
        add((v.start, v.end, T["number"], 0, None))
    elif v.kind in ("boolean", "null"):
        add((v.start, v.end, T["keyword"], 0, None))


def _settings(settings, add) -> None:
    for s in settings:
        add((s.key_start, s.key_end, T["keyword"], 0, None))
        _value(s.value, add)
        if s.ref is not None:
            add((s.ref.start, s.ref.start + len(s.ref.op), T["operator"], 0, None))


def _element(el, add) -> None:
    if el.keyword:
        add((el.start, el.start + len(el.keyword), T["keyword"], 0, None))
    if el.name is not None and len(el.name.parts) > 1:
        for p in el.name.parts[:-1]:
            add((p.start, p.end, T["namespace"], 0, None))
    _settings(el.settings, add)
    for v in el.notes:
        _value(v, add)
    for c in getattr(el, "columns", ()):
        if c.type is not None:
            for p in c.type.qname.parts[:-1]:
                add((p.start, p.end, T["namespace"], 0, None))
        _settings(c.settings, add)
    for v in getattr(el, "values", ()):
        _settings(v.settings, add)
    for ix in getattr(el, "indexes", ()):
        _settings(ix.settings, add)
    for ck in getattr(el, "checks", ()):
        _settings(ck.settings, add)
    for rec in getattr(el, "records", ()) or ():
        for row in rec.rows:
            for v in row:
                _value(v, add)
    if el.kind == "records" and el.records is not None:
        for row in el.records.rows:
            for v in row:
                _value(v, add)
    for rel in getattr(el, "relationships", ()):
        add((rel.op_start, rel.op_start + len(rel.op), T["operator"], 0, None))
        _settings(rel.settings, add)
    for v in getattr(el, "fields", {}).values():
        _value(v, add)
    if el.kind == "use" and el.path is not None:
        _value(el.path, add)


# -- per request ----------------------------------------------------------------------------------
def _tokens(ctx, nav, path: str, lo: int = 0, hi: int | None = None) -> list[int]:
    """The encoded tokens of a file (or of the part [lo, hi) of it)."""
    fm = nav.index.files[path]
    raw = raw_tokens(fm)
    li = ctx.lines(path)
    if li is None:
        return []
    mark_type = T["decorator"] if "decorator" in ctx.client.semantic_token_types or not ctx.client.semantic_token_types else T["macro"]
    items, kinds = [], []
    for start, end, typ, mods, occ in raw:
        if hi is not None and (end <= lo or start >= hi):
            continue
        if typ == MARK:
            typ = mark_type
        elif typ == RESOLVE_TYPE:
            syms = nav.resolve(path, occ)
            typ = T["enum"] if syms else T["type"]
        elif typ == RESOLVE_TABLE:
            syms = nav.resolve(path, occ)
            typ = T["class"]
            if syms and syms[0].generated:
                mods |= READONLY
        items.append((start, end))
        kinds.append((typ, mods))
    data: list[int] = []
    pl, pc = 0, 0
    for line, col, length, i in ctx.codec.spans(li, items):
        typ, mods = kinds[i]
        data += (line - pl, col - pc if line == pl else col, length, typ, mods)
        pl, pc = line, col
    return data


def _where(ctx, uri: str):
    path = ctx.path_of(uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return path, None
    return path, nav


def _state(ctx) -> dict:
    st = ctx.feature_state.get("semantic_tokens")
    if st is None:
        st = ctx.feature_state["semantic_tokens"] = {"next": 0, "last": {}}
    return st


def _remember(ctx, path: str, data: list[int]) -> str:
    st = _state(ctx)
    st["next"] += 1
    rid = str(st["next"])
    last = st["last"]
    last.pop(path, None)
    last[path] = (rid, data)
    while len(last) > KEPT_RESULTS:
        last.pop(next(iter(last)))
    return rid


def full(ctx, params: types.SemanticTokensParams):
    path, nav = _where(ctx, params.text_document.uri)
    if nav is None:
        return types.SemanticTokens(data=[])
    data = _tokens(ctx, nav, path)
    return types.SemanticTokens(data=data, result_id=_remember(ctx, path, data))


def delta(ctx, params: types.SemanticTokensDeltaParams):
    path, nav = _where(ctx, params.text_document.uri)
    if nav is None:
        return types.SemanticTokens(data=[])
    data = _tokens(ctx, nav, path)
    prev = _state(ctx)["last"].get(path)
    rid = _remember(ctx, path, data)
    if prev is None or prev[0] != params.previous_result_id:
        return types.SemanticTokens(data=data, result_id=rid)
    start, old_end, new_end = _changed(prev[1], data)
    edits = [] if start == old_end == new_end else [
        types.SemanticTokensEdit(start=start, delete_count=old_end - start, data=data[start:new_end])]
    return types.SemanticTokensDelta(edits=edits, result_id=rid)


def range_(ctx, params: types.SemanticTokensRangeParams):
    path, nav = _where(ctx, params.text_document.uri)
    if nav is None:
        return types.SemanticTokens(data=[])
    lo = ctx.offset_of(path, params.range.start)
    hi = ctx.offset_of(path, params.range.end)
    return types.SemanticTokens(data=_tokens(ctx, nav, path, lo, max(hi, lo + 1)))


def _changed(old: list[int], new: list[int]) -> tuple[int, int, int]:
    """(start, old_end, new_end) of the one stretch where two token arrays differ, on token
    boundaries (5 integers each); slices compare in halving steps, at C speed."""
    n = min(len(old), len(new))
    lo, hi = 0, n
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo - lo % 5
    lo, hi = 0, min(len(old), len(new)) - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    suffix = lo - lo % 5
    return prefix, len(old) - suffix, len(new) - suffix
