"""Lifecycle: how the server is started (stdio, --stdio, --tcp), shutdown and exit, the
parent process dying, failures isolated per request, cancellation, progress."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp.client import make_test_lsp_client

from lsp_harness import WAIT, lsp, push_caps, uri, write


async def _start(args, root):
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "dbmt", *args)
    await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=push_caps(), root_uri=uri(root), process_id=os.getpid())), WAIT)
    return client


async def test_stdio_flag_shutdown_and_exit(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n}\n"})
    client = await _start(["--stdio"], tmp_path)
    assert client.capabilities is not None
    await asyncio.wait_for(client.shutdown_async(None), WAIT)
    client.exit(None)
    rc = await asyncio.wait_for(client._server.wait(), WAIT)
    assert rc == 0
    with contextlib.suppress(Exception):
        await client.stop()


async def test_exit_without_shutdown_is_an_error_exit(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n}\n"})
    client = await _start([], tmp_path)
    client.exit(None)
    rc = await asyncio.wait_for(client._server.wait(), WAIT)
    assert rc == 1
    with contextlib.suppress(Exception):
        await client.stop()


async def test_server_exits_when_its_parent_dies(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n}\n"})
    parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    client = make_test_lsp_client()
    await client.start_io(sys.executable, "-m", "dbmt")
    await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=push_caps(), root_uri=uri(tmp_path), process_id=parent.pid)), WAIT)
    parent.kill()
    parent.wait()
    rc = await asyncio.wait_for(client._server.wait(), WAIT)
    assert rc == 0
    with contextlib.suppress(Exception):
        await client.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_tcp(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > nope.id]\n}\n"})
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "dbmt", "--tcp", f"127.0.0.1:{port}",
                                                stderr=asyncio.subprocess.PIPE)
    client = make_test_lsp_client()
    try:
        for _ in range(int(WAIT / 0.1)):  # until the server listens (only a hang reaches the bound)
            try:
                await client.start_tcp("127.0.0.1", port)
                break
            except OSError:
                await asyncio.sleep(0.1)
        await asyncio.wait_for(client.initialize_session(types.InitializeParams(
            capabilities=push_caps(), root_uri=uri(tmp_path), process_id=os.getpid())), WAIT)
        u = uri(tmp_path / "a.dbmt")
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=u, language_id="dbmt", version=1, text=(tmp_path / "a.dbmt").read_text())))

        async def wait():
            while not client.diagnostics.get(u):
                await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        await asyncio.wait_for(wait(), WAIT)
        assert [d.code for d in client.diagnostics[u]] == ["DBMT101"]
    finally:
        proc.kill()
        await proc.wait()


def test_bad_tcp_argument_is_a_usage_error():
    r = subprocess.run([sys.executable, "-m", "dbmt", "--tcp", "nowhere"], capture_output=True, text=True, timeout=WAIT)
    assert r.returncode == 2 and "HOST:PORT" in r.stderr


async def test_a_failing_feature_answers_an_error_and_the_rest_go_on(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n}\nTable u {\n  x int [ref: > t.id]\n}\n"})
    async with lsp(tmp_path, env={"DBMT_LSP_FAIL": "textDocument/references"}) as h:
        with pytest.raises(JsonRpcException) as e:
            await h.request(h.client.text_document_references_async(types.ReferenceParams(
                text_document=h.doc("a.dbmt"), position=types.Position(line=4, character=17),
                context=types.ReferenceContext(include_declaration=True))))
        assert "injected" in str(e.value)
        assert any("textDocument/references failed" in m.message for m in h.client.log_messages)
        got = await h.request(h.client.text_document_definition_async(types.DefinitionParams(
            text_document=h.doc("a.dbmt"), position=types.Position(line=4, character=17))))
        assert got and got[0].target_selection_range.start.line == 0


async def test_cancelled_request_does_not_disturb_the_server(tmp_path):
    write(tmp_path, {f"f{i}.dbmt": f"Table t{i} {{\n  id int [pk]\n  x int [ref: > t0.id]\n}}\n" for i in range(30)})
    async with lsp(tmp_path) as h:
        fut = h.client.protocol.send_request(types.TEXT_DOCUMENT_REFERENCES, types.ReferenceParams(
            text_document=h.doc("f0.dbmt"), position=types.Position(line=0, character=6),
            context=types.ReferenceContext(include_declaration=True)), msg_id="to-cancel")
        h.client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="to-cancel"))
        # Either it was cancelled before it ran (an error answer) or it had finished: both are
        # answers, and the server goes on.
        try:
            await asyncio.wait_for(asyncio.wrap_future(fut), WAIT)
        except JsonRpcException as e:
            assert "cancel" in str(e).lower()
        got = await h.request(h.client.text_document_references_async(types.ReferenceParams(
            text_document=h.doc("f0.dbmt"), position=types.Position(line=0, character=6),
            context=types.ReferenceContext(include_declaration=True))))
        assert len(got) == 31


async def test_indexing_reports_progress_with_file_counts(tmp_path):
    write(tmp_path, {f"f{i}.dbmt": f"Table t{i} {{\n  id int [pk]\n}}\n" for i in range(7)})
    async with lsp(tmp_path) as h:
        await h.settle()
        reports = [v for vs in h.client.progress_reports.values() for v in vs]
        assert reports[0].kind == "begin" and "7 files" in reports[0].message
        assert reports[-1].kind == "end" and "7 files" in reports[-1].message
        assert any(r.kind == "report" and "/7 files" in (r.message or "") for r in reports)


async def test_a_generator_feature_stops_at_cancellation():
    """In process: a long feature yields between steps, so a cancelled task stops there."""
    from dbmt.lsp.server import _drive
    steps = []

    def long_feature():
        for i in range(10_000):
            steps.append(i)
            yield
        return "done"

    task = asyncio.ensure_future(_drive(long_feature()))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 0 < len(steps) < 10_000
    assert await _drive(long_feature()) == "done"
