"""`dbmt/diagram` (the workspace's diagram model, or a filter of it, as JSON: export/diagram.py
builds it from the engine) and `dbmt/diagramChanged` (told after the diagnostics' debounce when
the model a client asked for changed). The model is kept per workspace generation, so a request
after an edit that changed nothing costs no rebuild, and `revision` moves only when the model's
signature does (a comment after the last element, a column's note: no new revision; anything
that moves a drawn name does, its range changed)."""

from __future__ import annotations

from pygls.exceptions import JsonRpcInvalidParams

from .edits import RequestFailed

from ...export import diagram as model

STATE = "diagram"
CHANGED = "dbmt/diagramChanged"


class _RootState:
    __slots__ = ("ws", "generation", "model", "full", "signature", "revision")

    def __init__(self):
        self.ws = None
        self.generation = -1
        self.model = None
        self.full = None       # the model materialized (ranges, URIs): filters select from it
        self.signature = None
        self.revision = 0


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


def _span(ctx, ws):
    """Ranges in the negotiated encoding over the texts the engine has (the documents' current
    text once flushed)."""
    def text_of(path: str) -> str:
        t = ws.text_of(path)
        return t if t is not None else (ctx.session.text_of(path) or "")
    return model.spans_over(ctx.codec, text_of)


def _current(ctx, root) -> _RootState:
    """The root's model for the workspace as it is now (rebuilt only when its generation moved),
    with the revision bumped when the signature changed."""
    st = _state(ctx)
    rs = st.roots.setdefault(str(root.path), _RootState())
    ws = root.ws
    if rs.ws is ws and rs.generation == ws.generation and rs.model is not None:
        return rs
    m = model.build(ws)
    full = model.materialize(m, _span(ctx, ws), ctx.uri_of)
    sig = model.signature(full)
    rs.ws, rs.generation, rs.model, rs.full = ws, ws.generation, m, full
    if sig != rs.signature:
        rs.signature = sig
        st.revision += 1
        rs.revision = st.revision
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
        raise JsonRpcInvalidParams("dbmt/diagram: params must be an object {\"filter\"?: …}")
    try:
        f = model.check_filter(p.get("filter"))
    except model.FilterError as e:
        raise JsonRpcInvalidParams(f"dbmt/diagram: {e}") from None
    root = _root_for(ctx, f)
    _state(ctx).subscribed = True
    yield  # a cancellation sent meanwhile lands here, before the build
    rs = _current(ctx, root)
    yield
    try:
        return model.select_json(rs.full, rs.model, f, ctx.path_of, revision=rs.revision)
    except model.FilterError as e:
        raise JsonRpcInvalidParams(f"dbmt/diagram: {e}") from None


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
