"""The `use` line that imports a definition, as an LSP TextEdit: the engine's imports.use_edit
(the same text for completion's auto-import and for the DBMT101 quick fix), in the negotiated
position encoding."""

from __future__ import annotations

from lsprotocol import types

from ..imports import import_edit


def use_text_edit(ctx, path: str, d) -> types.TextEdit | None:
    """The edit of file `path` that makes definition `d` (of another file) visible there."""
    ws = ctx.session.workspace_of(path)
    if ws is None:
        return None
    e = import_edit(ws.index, path, d)
    if e is None:
        return None
    return types.TextEdit(range=ctx.range_of(path, e.start, e.end), new_text=e.text)
