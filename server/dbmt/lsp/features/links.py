"""Document links: each `use` path opens the file it names (as the engine resolves it)."""

from __future__ import annotations

import os

from lsprotocol import types


def document_link(ctx, params: types.DocumentLinkParams):
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        return None
    ws = ctx.session.workspace_of(path)
    out = []
    for o in nav.occurrences(path).items:
        if o.kind != "file":
            continue
        syms = nav.resolve(path, o)
        if not syms:
            continue
        target = syms[0].path
        inner = (o.start + 1, o.end - 1) if o.end - o.start >= 2 else (o.start, o.end)
        tip = None
        if ctx.client.document_link_tooltip:
            rel = os.path.relpath(target, str(ws.root)).replace(os.sep, "/") if ws is not None else target
            tip = f"Open {rel}"
        out.append(types.DocumentLink(range=ctx.range_of(path, *inner), target=ctx.uri_of(target), tooltip=tip))
    return out
