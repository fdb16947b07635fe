"""`dbmt/diagram` (the workspace's diagram model, or a filter of it, as JSON: export/diagram.py
builds it from the engine) and `dbmt/diagramChanged` (told after the diagnostics' debounce when
the model a client asked for changed). The model is kept per workspace generation, so a request
after an edit that changed nothing costs no rebuild, and `revision` moves only when the model
does (a comment after the last element, a column's note: no new revision; anything that moves a
drawn name does, its range changed). The last few revisions are kept, their unchanged tables
shared, so a client that has one asks with `since` and gets only what changed (a delta)."""

from __future__ import annotations

import gc

from pygls.exceptions import JsonRpcInvalidParams

from .edits import RequestFailed

from ...export import diagram as model

STATE = "diagram"
CHANGED = "dbmt/diagramChanged"


HISTORY = 4  # revisions kept per root for deltas (a client a few edits behind still gets one)


class _RootState:
    __slots__ = ("ws", "generation", "model", "full", "revision", "history", "spans", "cache", "tables")

    def __init__(self):
        self.ws = None
        self.generation = -1
        self.model = None
        self.full = None       # the model materialized (ranges, URIs): filters select from it
        self.revision = 0
        self.history: dict[int, tuple[dict, object]] = {}  # revision → (full, model), the last HISTORY
        # path → (the text its ranges were computed over, {(start, end): range}): an edit in one
        # file converts that file's places again, not the workspace's 25,000 (at 2,000 tables).
        self.spans: dict[str, tuple[str, dict]] = {}
        # The tables as the last build read them (re-read only when something they read changed)
        # and their JSON (converted again only when build made a new dict of one).
        self.cache = model.BuildCache()
        self.tables: dict = {}


class DiagramState:
    """What the feature keeps between requests: one model per root, and one revision counter
    for the session (it increases whenever any root's model changes)."""

    def __init__(self):
        self.roots: dict[str, _RootState] = {}
        self.revision = 0
        self.subscribed = False  # a client asked once: from then on changes are told


def _state(ctx) -> DiagramState:
    st = ctx.feature_state.get(STATE)
    if st is None:
        st = ctx.feature_state[STATE] = DiagramState()
    return st


def plain(obj):
    """pygls hands custom requests' params over as namedtuples: back to dicts and lists."""
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def _span(ctx, ws, rs: _RootState):
    """Ranges in the negotiated encoding over the texts the engine has (the documents' current
    text once flushed), remembered per file text across builds."""
    def text_of(path: str) -> str:
        t = ws.text_of(path)
        return t if t is not None else (ctx.session.text_of(path) or "")
    convert = model.spans_over(ctx.codec, text_of)
    memo = rs.spans
    if len(memo) > len(ws.files):
        for p in [p for p in memo if p not in ws.files]:
            del memo[p]
    now: dict[str, dict] = {}  # this build's entry per path (each file's text looked up once)

    def span(path: str, start: int, end: int) -> dict:
        got = now.get(path)
        if got is None:
            text = text_of(path)
            e = memo.get(path)
            if e is None or e[0] is not text:
                e = memo[path] = (text, {})
            got = now[path] = e[1]
        r = got.get((start, end))
        if r is None:
            r = got[(start, end)] = convert(path, start, end)
        return r
    return span


def _current(ctx, root) -> _RootState:
    """The root's model for the workspace as it is now (rebuilt only when its generation moved),
    with the revision bumped when it changed."""
    st = _state(ctx)
    rs = st.roots.setdefault(str(root.path), _RootState())
    ws = root.ws
    if rs.ws is ws and rs.generation == ws.generation and rs.model is not None:
        return rs
    # Hundreds of thousands of small objects, none of them garbage yet: the collector's passes
    # over them were a third of the time at 2,000 tables (as in Workspace.open).
    was = gc.isenabled()
    gc.disable()
    try:
        if rs.ws is not ws:
            rs.cache, rs.tables = model.BuildCache(), {}
        m = model.build(ws, rs.cache)
        full = model.materialize(m, _span(ctx, ws, rs), ctx.uri_of, rs.tables)
        same = rs.ws is ws and model.share(rs.full, full)
    finally:
        if was:
            gc.enable()
    rs.ws, rs.generation, rs.model, rs.full = ws, ws.generation, m, full
    if not same:
        st.revision += 1
        rs.revision = st.revision
    rs.history[rs.revision] = (full, m)
    while len(rs.history) > HISTORY:
        del rs.history[min(rs.history)]
    return rs


def _root_for(ctx, f: dict):
    """The root a filter is about (the one holding its files or folder), else the first root."""
    roots = sorted((r for r in ctx.session.roots.values() if r.ws is not None), key=lambda r: str(r.path))
    if not roots:
        raise RequestFailed("dbmt/diagram: no workspace is indexed (open a .dbmt or .dbml file)")
    where = [ctx.path_of(u) for u in f.get("files", [])] + ([ctx.path_of(f["folder"])] if "folder" in f else [])
    for p in where:
        for r in roots:
            if r.contains(p):
                return r
    return roots[0]


def diagram(ctx, params):
    p = plain(params) or {}
    if not isinstance(p, dict):
        raise JsonRpcInvalidParams("dbmt/diagram: params must be an object {\"filter\"?: …, \"since\"?: revision}")
    try:
        f = model.check_filter(p.get("filter"))
    except model.FilterError as e:
        raise JsonRpcInvalidParams(f"dbmt/diagram: {e}") from None
    since = p.get("since")
    if since is not None and (not isinstance(since, int) or isinstance(since, bool)):
        raise JsonRpcInvalidParams("dbmt/diagram: 'since' must be the revision of a model received before")
    root = _root_for(ctx, f)
    _state(ctx).subscribed = True
    yield  # a cancellation sent meanwhile lands here, before the build
    rs = _current(ctx, root)
    yield
    try:
        result = model.select_json(rs.full, rs.model, f, ctx.path_of, revision=rs.revision)
        base = rs.history.get(since) if since is not None else None
        if base is None:
            return result  # no such revision kept (or none asked): the whole model
    except model.FilterError as e:
        raise JsonRpcInvalidParams(f"dbmt/diagram: {e}") from None
    try:
        before = model.select_json(base[0], base[1], f, ctx.path_of, revision=since)
    except model.FilterError:
        return result  # the filter names something that revision did not have: no base to patch
    return model.delta(before, result, since)


def changed(server) -> None:
    """After a publish: tell the client when a model it asked for has a new revision."""
    ctx = server.ctx
    st = ctx.feature_state.get(STATE)
    if st is None or not st.subscribed:
        return
    before = st.revision
    for root in sorted(ctx.session.roots.values(), key=lambda r: str(r.path)):
        if root.ws is not None:
            _current(ctx, root)
    if st.revision != before:
        server.protocol.notify(CHANGED, {"revision": st.revision})
