"""`dbmt/status` (the editor's status line) through the real server: the indexed file count of
each root, following files created on disk."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from lsp_harness import WAIT, caps, lsp, write


async def status(h):
    return await h.request(h.client.protocol.send_request_async("dbmt/status", None))


def as_dict(result):
    # pygls hands a custom request's answer back as a namespace object.
    if isinstance(result, dict):
        return result
    out = {k: getattr(result, k) for k in ("files", "checking", "roots")}
    out["roots"] = [r if isinstance(r, dict) else {k: getattr(r, k) for k in ("uri", "files", "error", "checking")}
                    for r in out["roots"]]
    return out


async def test_status_counts_the_files_of_the_workspace(shop):
    files = sorted(p for p in shop.rglob("*") if p.suffix in (".dbmt", ".dbml"))
    async with lsp(shop, caps()) as h:
        got = as_dict(await status(h))
        assert got["files"] == len(files) == 5
        assert got["roots"] == [{"uri": shop.resolve().as_uri(), "files": 5, "error": None, "checking": 0}]
        assert got["checking"] == 0

        write(shop, {"extra/more.dbml": "Table More {\n  id int [pk]\n}\n"})
        h.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
            types.FileEvent(uri=h.uri("extra/more.dbml"), type=types.FileChangeType.Created)]))
        got = as_dict(await status(h))
        assert got["files"] == 6


async def test_status_answers_in_the_middle_of_a_long_recheck(tmp_path):
    """An edit that re-checks thousands of elements (a name 3,000 tables share) is checked a
    slice at a time, with work-done progress, the server answering requests in between.
    DBMT_LSP_SLICE_WAIT holds the re-check after its first slice until a dbmt/status has been
    answered, so that answer comes from the middle of it, deterministically: every element but
    the first slice's is still to check. (A server that re-checked in one go could only answer
    before or after it.) Then the re-check ends, and publishes."""
    write(tmp_path, {"a.dbmt": "Table t {\n  id int\n}\n" * 3000})
    settings = {"dbmt": {"debounce": 0}}
    async with lsp(tmp_path, caps(), init_options=settings, configuration={"": settings},
                   env={"DBMT_LSP_SLICE_WAIT": "dbmt/status"}) as h:
        h.open("a.dbmt")
        await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) == 1000)  # 3,000 DBMT105: 999 and a note
        v = h.edit("a.dbmt", types.Position(line=0, character=6), types.Position(line=0, character=7), "u")

        def checking_token():
            for token, values in h.client.progress_reports.items():
                if values and isinstance(values[0], types.WorkDoneProgressBegin) and values[0].title == "dbmt: checking":
                    return token
            return None

        async def begun():
            while checking_token() is None:
                await asyncio.sleep(0.01)
        await asyncio.wait_for(begun(), WAIT)
        token = checking_token()
        assert h.client.progress_reports[token][0].message == "3,000 elements"
        got = as_dict(await status(h))
        # The renamed table and the 2,999 it no longer clashes with, less the first slice's 64.
        assert got["checking"] == 3000 - 64 == got["roots"][0]["checking"]
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: h.client.diagnostic_versions.get(h.uri("a.dbmt")) == v)
        assert ds[-1].message.startswith("2,000 more diagnostics in this file are not shown")
        assert isinstance(h.client.progress_reports[token][-1], types.WorkDoneProgressEnd)
        assert h.client.progress_reports[token][-1].message == "3,000 elements checked"
        assert as_dict(await status(h))["checking"] == 0
