"""`dbmt/status` (the editor's status line) through the real server: the indexed file count of
each root, following files created on disk."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, write


async def status(h):
    return await h.request(h.client.protocol.send_request_async("dbmt/status", None))


def as_dict(result):
    # pygls hands a custom request's answer back as a namespace object.
    if isinstance(result, dict):
        return result
    out = {k: getattr(result, k) for k in ("files", "roots")}
    out["roots"] = [r if isinstance(r, dict) else {k: getattr(r, k) for k in ("uri", "files", "error")} for r in out["roots"]]
    return out


async def test_status_counts_the_files_of_the_workspace(shop):
    files = sorted(p for p in shop.rglob("*") if p.suffix in (".dbmt", ".dbml"))
    async with lsp(shop, caps()) as h:
        got = as_dict(await status(h))
        assert got["files"] == len(files) == 5
        assert got["roots"] == [{"uri": shop.resolve().as_uri(), "files": 5, "error": None}]

        write(shop, {"extra/more.dbml": "Table More {\n  id int [pk]\n}\n"})
        h.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=h.uri("extra/more.dbml"), type=types.FileChangeType.Created)]))
        got = as_dict(await status(h))
        assert got["files"] == 6
