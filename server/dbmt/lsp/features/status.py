"""`dbmt/status`: what the server has indexed, for an editor's status line (files per root).
Answered once indexing is done, like every request; the counts of diagnostics are the
client's to make from what it shows."""

from __future__ import annotations


def status(ctx, _params) -> dict:
    roots = []
    for root in sorted(ctx.session.roots.values(), key=lambda r: str(r.path)):
        if root.ws is None:
            continue
        roots.append({"uri": ctx.uri_of(str(root.path)), "files": len(root.ws.files), "error": root.error})
    return {"files": len(ctx.session.all_files()), "roots": roots}
