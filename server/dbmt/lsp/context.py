"""What a feature sees: the session, position conversion in the negotiated encoding, URIs, and
what the client said it supports. Features are plain functions `(ctx, params) -> result`; this
object is all they need, so a test can call one without a client."""

from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.uris import from_fs_path

from .positions import Codec, Lines
from .session import Session


def path_of_uri(uri: str) -> str:
    """A `file:` URI as an absolute, real path (other schemes: their path as given)."""
    p = urlparse(uri)
    if p.scheme not in ("file", ""):
        return uri
    path = unquote(p.path)
    if os.name == "nt" and len(path) > 2 and path[0] == "/" and path[2] == ":":
        path = path[1:]
    return os.path.realpath(path)


class Capabilities:
    """The few client capabilities features branch on."""

    def __init__(self, caps: types.ClientCapabilities | None = None):
        caps = caps or types.ClientCapabilities()
        td = caps.text_document
        ws = caps.workspace
        win = caps.window
        comp = td.completion if td else None
        item = comp.completion_item if comp else None
        self.snippets = bool(item and item.snippet_support)
        self.completion_docs_markdown = bool(item and item.documentation_format and types.MarkupKind.Markdown in item.documentation_format)
        self.completion_insert_replace = bool(item and item.insert_replace_support)
        rs = item.resolve_support if item else None
        self.completion_resolve_edits = bool(rs and "additionalTextEdits" in (rs.properties or ()))
        hover = td.hover if td else None
        self.hover_markdown = bool(hover and (not hover.content_format or types.MarkupKind.Markdown in hover.content_format))
        pd = td.publish_diagnostics if td else None
        self.related_information = True if pd is None or pd.related_information is None else bool(pd.related_information)
        self.pull_diagnostics = bool(td and td.diagnostic)
        self.diagnostic_refresh = bool(ws and ws.diagnostics and ws.diagnostics.refresh_support)
        self.work_done_progress = bool(win and win.work_done_progress)
        self.configuration = bool(ws and ws.configuration)
        dcwf = ws.did_change_watched_files if ws else None
        self.watched_files_dynamic = bool(dcwf and dcwf.dynamic_registration)
        self.workspace_folders = bool(ws and ws.workspace_folders)
        rn = td.rename if td else None
        self.prepare_rename = bool(rn and rn.prepare_support)
        ca = td.code_action if td else None
        self.code_action_literals = bool(ca and ca.code_action_literal_support)
        we = ws.workspace_edit if ws else None
        self.document_changes = bool(we and we.document_changes)
        self.resource_create = bool(we and we.resource_operations and types.ResourceOperationKind.Create in we.resource_operations)
        st = td.semantic_tokens if td else None
        self.semantic_tokens = st is not None
        lens = ws.code_lens if ws else None
        self.code_lens_refresh = bool(lens and lens.refresh_support)
        ih = ws.inlay_hint if ws else None
        self.inlay_hint_refresh = bool(ih and ih.refresh_support)
        stk = ws.semantic_tokens if ws else None
        self.semantic_tokens_refresh = bool(stk and stk.refresh_support)
        df = td.definition if td else None
        self.definition_links = bool(df and df.link_support)
        ds = td.document_symbol if td else None
        self.hierarchical_symbols = bool(ds and ds.hierarchical_document_symbol_support)
        fr = td.folding_range if td else None
        self.folding_range_limit = fr.range_limit if fr and fr.range_limit else None
        self.semantic_token_types = set(st.token_types or ()) if st else set()
        dl = td.document_link if td else None
        self.document_link_tooltip = bool(dl and dl.tooltip_support)


class Context:
    def __init__(self, session: Session | None = None, encoding: str = "utf-16", capabilities: Capabilities | None = None):
        self.session = session or Session()
        self.codec = Codec(encoding)
        self.client = capabilities or Capabilities()
        self._uris: dict[str, str] = {}
        self._file_uris: dict[str, str] = {}
        # What features keep between requests (the last semantic tokens sent per document, …),
        # by feature name.
        self.feature_state: dict[str, object] = {}

    # -- URIs ----------------------------------------------------------------------------------
    def path_of(self, uri: str) -> str:
        path = path_of_uri(uri)
        self._uris.setdefault(path, uri)
        return path

    def uri_of(self, path: str) -> str:
        """The URI the client used for a path (open documents), else the file URI."""
        uri = self._uris.get(path)
        if uri is None:
            # Answers listing many places (workspace symbols, references) ask for the same
            # files' URIs over and over; pygls's from_fs_path is slow enough to show.
            uri = self._file_uris.get(path)
            if uri is None:
                uri = self._file_uris[path] = from_fs_path(path) or ("file://" + path)
        return uri

    def remember_uri(self, path: str, uri: str) -> None:
        self._uris[path] = uri

    # -- positions ------------------------------------------------------------------------------
    def lines(self, path: str) -> Lines | None:
        text = self.session.text_of(path)
        if text is None:
            try:
                from ..workspace.files import read_source
                text, _ = read_source(path)
            except OSError:
                return None
        return self.codec.lines(path, text)

    def range_of(self, path: str, start: int, end: int) -> types.Range:
        li = self.lines(path)
        if li is None:
            return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
        return self.codec.range(li, start, end)

    def position_of(self, path: str, offset: int) -> types.Position:
        li = self.lines(path)
        return self.codec.position(li, offset) if li is not None else types.Position(line=0, character=0)

    def offset_of(self, path: str, pos: types.Position) -> int:
        li = self.lines(path)
        return self.codec.offset(li, pos) if li is not None else 0

    def location(self, path: str, start: int, end: int) -> types.Location:
        return types.Location(uri=self.uri_of(path), range=self.range_of(path, start, end))

    # -- the engine ---------------------------------------------------------------------------
    def navigator(self, path: str):
        ws = self.session.workspace_of(path)
        return ws.navigator() if ws is not None else None

    @property
    def client_definition_links(self) -> bool:
        return self.client.definition_links

    @property
    def supports_related(self) -> bool:
        return self.client.related_information
