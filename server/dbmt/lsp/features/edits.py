"""Workspace edits as the client wants them (documentChanges with versions, or changes), and the
features that produce them: rename and prepareRename."""

from __future__ import annotations

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from ...navigate import RenameRefused, prepare_rename, rename


class RequestFailed(JsonRpcException):
    """LSP's RequestFailed (-32803): a request that was understood but cannot be carried out;
    the client shows the message."""

    CODE = -32803
    MESSAGE = "Request failed"


def workspace_edit(ctx, edits: dict[str, list[tuple[int, int, str]]]) -> types.WorkspaceEdit:
    """Engine edits (path → (start, end, text), character offsets) as a WorkspaceEdit."""
    if ctx.client.document_changes:
        changes = []
        for path in sorted(edits):
            tes = [types.TextEdit(range=ctx.range_of(path, s, e), new_text=t) for s, e, t in sorted(edits[path])]
            changes.append(types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=ctx.uri_of(path), version=ctx.session.version_of(path)),
                edits=tes))
        return types.WorkspaceEdit(document_changes=changes)
    return types.WorkspaceEdit(changes={
        ctx.uri_of(path): [types.TextEdit(range=ctx.range_of(path, s, e), new_text=t) for s, e, t in sorted(es)]
        for path, es in sorted(edits.items())})


def _at(ctx, params):
    path = ctx.path_of(params.text_document.uri)
    nav = ctx.navigator(path)
    if nav is None or path not in nav.index.files:
        raise RequestFailed("this file is not part of a dbmt workspace")
    return path, nav, ctx.offset_of(path, params.position)


def prepare(ctx, params: types.PrepareRenameParams):
    path, nav, offset = _at(ctx, params)
    try:
        occ, sym = prepare_rename(nav, path, offset)
    except RenameRefused as e:
        raise RequestFailed(str(e)) from None
    return types.PrepareRenamePlaceholder(range=ctx.range_of(path, occ.start, occ.end), placeholder=sym.name)


def do_rename(ctx, params: types.RenameParams):
    path, nav, offset = _at(ctx, params)
    new = params.new_name.strip()
    if len(new) >= 2 and new[0] == new[-1] == '"':
        new = new[1:-1]
    try:
        plan = rename(nav, path, offset, new)
    except RenameRefused as e:
        raise RequestFailed(str(e)) from None
    return workspace_edit(ctx, plan.edits)
