"""`dbmt/status`: what the server has indexed, for an editor's status line (files per root),
and how many elements edits have left to re-check (`checking`; 0 when the diagnostics are
current). Answered once indexing is done, like every request, and without waiting for a
re-check; the counts of diagnostics are the client's to make from what it shows."""

from __future__ import annotations


def status(ctx, _params) -> dict:
    roots = []
    for root in sorted(ctx.session.roots.values(), key=lambda r: str(r.path)):
        if root.ws is None:
            continue
        roots.append({"uri": ctx.uri_of(str(root.path)), "files": len(root.ws.files), "error": root.error,
                      "checking": len(root.ws.unchecked)})
    return {"files": len(ctx.session.all_files()), "roots": roots, "checking": sum(r["checking"] for r in roots)}
