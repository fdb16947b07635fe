"""End-to-end harness: the real `dbmt-lsp` process (python -m dbmt) driven over stdio by
pytest-lsp's client. Every wait has a timeout (a bound for a hung server, never a measurement)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities
from pytest_lsp.client import make_test_lsp_client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "shop"
WAIT = 120.0  # seconds: generous, the machine may be busy (a swapping one too); only a hang reaches it


def uri(path) -> str:
    return Path(path).resolve().as_uri()


def caps(name: str = "visual_studio_code") -> types.ClientCapabilities:
    """The capabilities a real client sends (captured by pytest-lsp)."""
    return client_capabilities(name)


def push_caps(name: str = "visual_studio_code") -> types.ClientCapabilities:
    """A real client's capabilities without pull diagnostics (the server then pushes)."""
    c = caps(name)
    if c.text_document is not None:
        c.text_document.diagnostic = None
    return c


def pull_caps(name: str = "visual_studio_code") -> types.ClientCapabilities:
    """A real client's capabilities, announcing pull diagnostics (LSP 3.17) with refresh."""
    c = caps(name)
    c.text_document.diagnostic = types.DiagnosticClientCapabilities(dynamic_registration=False, related_document_support=True)
    if c.workspace is not None:
        c.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    return c


class Harness:
    def __init__(self, client, root: Path):
        self.client = client
        self.root = root
        self.versions: dict[str, int] = {}
        self.texts: dict[str, str] = {}

    def path(self, rel: str) -> Path:
        return (self.root / rel).resolve()

    def uri(self, rel: str) -> str:
        return uri(self.path(rel))

    # -- documents ------------------------------------------------------------------------
    def open(self, rel: str, text: str | None = None, language_id: str | None = None) -> str:
        p = self.path(rel)
        if text is None:
            text = p.read_text(encoding="utf-8")
        u = uri(p)
        self.versions[u] = 1
        self.texts[u] = text
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=u, language_id=language_id or ("dbml" if rel.endswith(".dbml") else "dbmt"), version=1, text=text)))
        return u

    def replace_all(self, rel: str, text: str) -> int:
        u = self.uri(rel)
        self.versions[u] += 1
        self.texts[u] = text
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u, version=self.versions[u]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[u]

    def edit(self, rel: str, start: types.Position, end: types.Position, new: str) -> int:
        u = self.uri(rel)
        self.versions[u] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=u, version=self.versions[u]),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new)]))
        return self.versions[u]

    def close(self, rel: str) -> None:
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri(rel))))

    # -- positions --------------------------------------------------------------------------
    def pos(self, rel: str, needle: str, delta: int = 0, text: str | None = None) -> types.Position:
        """The UTF-16 position of `needle` (+delta characters) in a file's current text."""
        if text is None:
            text = self.texts.get(self.uri(rel)) or self.path(rel).read_text(encoding="utf-8")
        off = text.index(needle) + delta
        line = text.count("\n", 0, off)
        col_text = text[text.rfind("\n", 0, off) + 1:off]
        return types.Position(line=line, character=len(col_text.encode("utf-16-le")) // 2)

    def doc(self, rel: str) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=self.uri(rel))

    # -- waiting ----------------------------------------------------------------------------
    async def wait_diagnostics(self, rel: str, predicate=lambda ds: True, timeout: float = WAIT):
        """Until the diagnostics last pushed for a file satisfy `predicate`."""
        u = self.uri(rel)

        async def loop():
            while True:
                got = self.client.diagnostics.get(u)
                if got is not None and predicate(list(got)):
                    return list(got)
                await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

        return await asyncio.wait_for(loop(), timeout)

    async def settle(self) -> None:
        """A round trip: every notification the server sent before answering has arrived."""
        await asyncio.wait_for(self.client.text_document_document_highlight_async(types.DocumentHighlightParams(
            text_document=types.TextDocumentIdentifier(uri=uri(self.root / "__none__.dbmt")),
            position=types.Position(line=0, character=0))), WAIT)

    async def request(self, coro):
        return await asyncio.wait_for(coro, WAIT)


@contextlib.asynccontextmanager
async def lsp(root: Path, capabilities: types.ClientCapabilities | None = None, *, folders=None,
              init_options=None, configuration=None, env=None, process_id=None, configuration_gate=None):
    """A real server on `root` (its workspace folder), initialized; shut down after.
    `configuration_gate`: an asyncio.Event the client waits for before it answers
    workspace/configuration (a client that answers late)."""
    client = make_test_lsp_client()
    # Keep the version each file's diagnostics were published under (pytest-lsp keeps the list).
    client.diagnostic_versions = {}
    fm = client.protocol.fm
    original = fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def publish(params):
        client.diagnostic_versions[params.uri] = params.version
        return original(params)

    fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = publish
    # Count the refresh requests a real client answers (VS Code re-requests what it shows).
    client.refreshes = {}
    for method in (types.WORKSPACE_CODE_LENS_REFRESH, types.WORKSPACE_INLAY_HINT_REFRESH,
                   types.WORKSPACE_SEMANTIC_TOKENS_REFRESH):
        def refresh(params, method=method):
            client.refreshes[method] = client.refreshes.get(method, 0) + 1
            return None

        client.feature(method)(refresh)
    if configuration is not None:
        client._configuration = configuration
    if configuration_gate is not None:
        answer = fm.features[types.WORKSPACE_CONFIGURATION]

        async def late_configuration(params):
            await configuration_gate.wait()
            return answer(params)

        fm.features[types.WORKSPACE_CONFIGURATION] = late_configuration
    server_env = dict(os.environ)
    server_env.update(env or {})
    await client.start_io(sys.executable, "-m", "dbmt", env=server_env)
    folders = folders if folders is not None else [root]
    params = types.InitializeParams(
        capabilities=capabilities if capabilities is not None else push_caps(),
        root_uri=uri(root),
        workspace_folders=[types.WorkspaceFolder(uri=uri(f), name=Path(f).name) for f in folders],
        initialization_options=init_options,
        process_id=process_id,
    )
    h = Harness(client, root)
    try:
        h.init_result = await asyncio.wait_for(client.initialize_session(params), WAIT)
        yield h
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_session(), 20)
        with contextlib.suppress(Exception):
            await client.stop()


@pytest.fixture
def shop(tmp_path) -> Path:
    """A copy of the example workspace to edit freely."""
    dst = tmp_path / "shop"
    shutil.copytree(EXAMPLES, dst)
    return dst


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return root
