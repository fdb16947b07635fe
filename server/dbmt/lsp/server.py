"""`dbmt-lsp` as a language server: pygls wiring, lifecycle, capability negotiation, settings,
indexing with progress, the debounce, and publishing. Features live in `features/` as plain
functions of (Context, params); every handler is wrapped so a failure answers an error and a
log line, never a dead server."""

from __future__ import annotations

import asyncio
import gc
import inspect
import logging
import os
import sys
import traceback
import uuid

from lsprotocol import types
from pygls.capabilities import ServerCapabilitiesBuilder
from pygls.exceptions import JsonRpcException, JsonRpcInternalError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCResponseMessage
from pygls.protocol.language_server import lsp_method

from .. import __version__
from ..workspace.files import read_source
from .context import Capabilities, Context
from .features import diagnostics as diag_feature
from .session import Document, Session, is_schema_file
from .settings import Settings
from .watch import RootWatcher

log = logging.getLogger("dbmt.lsp")

WATCH_GLOBS = ("**/*.dbmt", "**/*.dbml", "**/dbmt.toml", "**/pyproject.toml")
PARENT_POLL_S = 2.0
CONFIG_WAIT_S = 60.0  # a client silent this long is hung; DBMT_LSP_CONFIG_WAIT_S overrides (tests)
# An edit's re-check runs this many units at a time, the event loop answering requests and
# taking edits in between (Workspace.check_some); one that leaves at least PROGRESS_MIN_UNITS
# to check shows work-done progress.
CHECK_SLICE_UNITS = 64
PROGRESS_MIN_UNITS = 2000


def _config_wait_s() -> float:
    try:
        return max(0.0, float(os.environ.get("DBMT_LSP_CONFIG_WAIT_S", CONFIG_WAIT_S)))
    except ValueError:
        return CONFIG_WAIT_S


class DbmtProtocol(LanguageServerProtocol):
    """pygls's protocol without its own copy of open documents: the session keeps them (one
    text per document, line breaks counted as LSP counts them)."""

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params):
        if (h := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield h, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params):
        if (h := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield h, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params):
        if (h := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield h, (params,), None

    def _serialize_message(self, data):
        """A custom request's result that is already JSON (a dict: `dbmt/diagram`'s model, 7 MB
        at 2,000 tables) is written by `json.dumps` as it is. pygls's default has cattrs walk it
        first, object by object, to the same dicts and lists: ~1.4 s of a 2,000-table model's
        response on a busy machine, for no change. What is not JSON inside it (an lsprotocol
        object) still comes back here through `json.dumps`'s `default`."""
        if type(data) is JsonRPCResponseMessage and type(data.result) is dict:
            return {"id": data.id, "jsonrpc": data.jsonrpc, "result": data.result}
        return super()._serialize_message(data)

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params):
        result = yield from super().lsp_initialize(params)
        if not self._server.pull:
            # Diagnostics are pushed to this client: announcing pull too would have a client
            # that pulls whenever the server offers it (Neovim) show both sets.
            result.capabilities.diagnostic_provider = None
        return result


class DbmtServer(LanguageServer):
    def __init__(self):
        super().__init__("dbmt-lsp", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=DbmtProtocol)
        self.ctx = Context(Session())
        self.init_settings = Settings()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._indexing: dict[str, asyncio.Future] = {}
        self._published: dict[str, str] = {}   # path → result id of what was last pushed
        self._pulled: dict[str, str] = {}       # path → result id last computed in pull mode
        self._names_seen: tuple = ()             # the roots' names generations last refreshed for
        self._own_watcher: RootWatcher | None = None  # for clients that cannot watch files
        self._said: set[str] = set()           # settings problems already shown
        self.pull = False
        self._config_generation = 0  # a later ask supersedes a late answer to an earlier one
        self._configured = False  # settings known: indexing may start
        self._configured_event: asyncio.Event | None = None
        # Run after every publish (features that tell the client about workspace-wide changes
        # once the debounce has applied them: dbmt/diagramChanged); each isolated from the rest.
        self.published_hooks: list = []
        self._checking: asyncio.Future | None = None  # the re-check of what edits left (_check_loop)
        self._gc_paused = False  # by _pause_gc, until the next publish
        # Tests: after a re-check's first slice, wait until a request of this method has been
        # answered (DBMT_LSP_SLICE_WAIT), which shows deterministically that requests are
        # answered while a re-check is under way.
        self._slice_wait = os.environ.get("DBMT_LSP_SLICE_WAIT") or None
        self._answered = asyncio.Event() if self._slice_wait else None

    @property
    def session(self) -> Session:
        return self.ctx.session

    # -- logging -----------------------------------------------------------------------------
    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # no client to tell (tests calling features directly)
            log.info(message)

    def log_exception(self, what: str, exc: BaseException) -> None:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.log(f"{what} failed: {type(exc).__name__}: {exc}\n{tb}", types.MessageType.Error)

    def report_server_error(self, error, source):
        # Out-of-band failures (a notification handler that threw) are logged, not shown as
        # pop-ups: the next edit usually fixes what went wrong.
        self.log(f"internal error: {error}", types.MessageType.Error)

    # -- handler wrapping -----------------------------------------------------------------------
    def request(self, method: str, fn, options=None, wait: bool = True, flush: bool = True, checked: bool = False):
        """Register feature `fn(ctx, params)` for a request. It runs once the index of the
        workspace is ready and every pending edit is applied; a generator yields between steps
        so `$/cancelRequest` can stop it. `flush=False`: pending edits are left to their
        debounce (the feature reads the documents' current text itself: completion, which
        must not wait for the re-check an edit costs). `checked=True`: the feature reads
        diagnostics, so it also waits until every unit an edit left is checked (the others
        read names and syntax, which an applied edit has made current)."""

        fail = method in os.environ.get("DBMT_LSP_FAIL", "").split(",")

        async def handler(params):
            if wait:
                await self.ready()
                if flush:
                    self.flush_all()
                if checked:
                    await self.checked()
            try:
                if fail:  # fault injection for the tests of failure isolation (docs/lsp.md)
                    raise RuntimeError(f"failure injected into {method} by DBMT_LSP_FAIL")
                result = fn(self.ctx, params)
                if inspect.isgenerator(result):
                    result = await _drive(result)
                if self._answered is not None and method == self._slice_wait:
                    self._answered.set()
                return result
            except (asyncio.CancelledError, JsonRpcException):
                raise  # cancelled, or an answer the feature chose (RequestFailed with its reason)
            except Exception as exc:
                self.log_exception(method, exc)
                raise JsonRpcInternalError(f"{method} failed: {type(exc).__name__}: {exc}") from None

        handler.__name__ = f"dbmt_{method.replace('/', '_')}"
        self.feature(method, options)(handler)
        return handler

    def notification(self, method: str, fn):
        def handler(params):
            try:
                fn(params)
            except Exception as exc:
                self.log_exception(method, exc)

        handler.__name__ = f"dbmt_{method.replace('/', '_')}"
        self.feature(method)(handler)

    async def ready(self) -> None:
        if self._configured_event is not None:
            await self._configured_event.wait()
        pending = [f for f in self._indexing.values() if not f.done()]
        if pending:
            await asyncio.wait(pending)

    # -- lifecycle ---------------------------------------------------------------------------------
    def on_initialize(self, params: types.InitializeParams) -> None:
        self._configured_event = asyncio.Event()
        caps = params.capabilities
        self.ctx.client = Capabilities(caps)
        self.ctx.codec.encoding = ServerCapabilitiesBuilder.choose_position_encoding(caps)
        # Pull only from a client the server can ask to pull again (workspace/diagnostic/refresh):
        # an edit in one file changes other files' diagnostics, which a client without refresh
        # (Neovim 0.11 announces pull but not refresh) would show stale until each is edited.
        self.pull = self.ctx.client.pull_diagnostics and self.ctx.client.diagnostic_refresh
        self.init_settings = Settings().merged(params.initialization_options)
        self.session.settings = self.init_settings
        folders = [self.ctx.path_of(f.uri) for f in params.workspace_folders or []]
        if not folders:
            root_uri = params.root_uri or (("file://" + params.root_path) if params.root_path else None)
            if root_uri:
                folders = [self.ctx.path_of(root_uri)]
        for f in folders:
            self.session.add_folder(f)
        if params.process_id:
            self.watch_parent(params.process_id)

    async def on_initialized(self, _params) -> None:
        try:
            await self._register_watchers()
            await self.pull_configuration()
        finally:
            self._configured = True
            self._configured_event.set()
        # Roots of documents opened meanwhile are among these.
        for root in list(self.session.roots.values()):
            self.index(root)

    async def _register_watchers(self) -> None:
        if self.ctx.client.watched_files_dynamic:
            try:
                await self.client_register_capability_async(types.RegistrationParams(registrations=[types.Registration(
                    id="dbmt-watched-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                    register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=[
                        types.FileSystemWatcher(glob_pattern=g) for g in WATCH_GLOBS]))]))
                return
            except Exception as exc:
                self.log(f"could not register file watchers: {exc}", types.MessageType.Warning)
        # The client cannot watch files for us: watch the roots ourselves (lsp/watch.py).
        loop = asyncio.get_running_loop()
        self._own_watcher = RootWatcher(lambda events: loop.call_soon_threadsafe(self.disk_events, events))
        self.log("the client does not watch files for the server: watching the workspace itself")
        self._watch_roots()

    def _watch_roots(self) -> None:
        if self._own_watcher is not None:
            self._own_watcher.watch(str(r.path) for r in self.session.roots.values())

    def watch_parent(self, pid: int) -> None:
        """Exit when the editor that started us is gone (LSP's processId)."""

        async def poll():
            while True:
                await asyncio.sleep(PARENT_POLL_S)
                if not _alive(pid):
                    self.log(f"the client process {pid} is gone: exiting")
                    os._exit(0)

        asyncio.ensure_future(poll())

    # -- settings ------------------------------------------------------------------------------------
    async def pull_configuration(self) -> None:
        """Ask the client for the `dbmt` section (once overall, once per folder). A client that
        answers null, nothing or junk gets the defaults and initializationOptions.

        The answer decides what is reported, so it is waited for, not raced against a clock: only
        a client silent for CONFIG_WAIT_S (a hang, not a busy machine) gets the defaults meanwhile,
        and its answer is still applied, with a re-check, whenever it comes."""
        if not self.ctx.client.configuration:
            self._announce(self.init_settings)
            return
        folders = list(self.session.folders)
        items = [types.ConfigurationItem(section="dbmt")] + [
            types.ConfigurationItem(scope_uri=self.ctx.uri_of(f), section="dbmt") for f in folders]
        asked = asyncio.ensure_future(self.workspace_configuration_async(types.ConfigurationParams(items=items)))
        self._config_generation += 1
        generation = self._config_generation
        done, _ = await asyncio.wait({asked}, timeout=_config_wait_s())
        if not done:
            self.log(f"workspace/configuration: no answer in {_config_wait_s():g} s; using defaults "
                     "until it comes", types.MessageType.Warning)
            self._apply_configuration(None, items, folders)

            def late(fut: asyncio.Future) -> None:
                if generation == self._config_generation and not fut.cancelled():
                    asyncio.ensure_future(self._late_configuration(fut, items, folders))

            asked.add_done_callback(late)
            return
        self._apply_configuration(asked, items, folders)

    async def _late_configuration(self, asked: asyncio.Future, items, folders) -> None:
        try:
            self._apply_configuration(asked, items, folders)
            self.log("workspace/configuration answered late: its settings now apply")
            await self.ready()
            self._recheck_for_settings()
        except Exception as exc:
            self.log_exception("applying a late workspace/configuration answer", exc)

    def _apply_configuration(self, asked: asyncio.Future | None, items, folders) -> None:
        got = None
        if asked is not None:
            try:
                got = asked.result()
            except Exception as exc:
                self.log(f"workspace/configuration gave no answer ({type(exc).__name__}); using defaults")
        got = list(got) if isinstance(got, (list, tuple)) else []
        got += [None] * (len(items) - len(got))
        s = self.session
        s.settings = self.init_settings.merged(got[0])
        self.log(f"settings: debounce {s.settings.debounce_ms} ms, severity overrides {s.settings.severity or 'none'} (raw {got!r})")
        self._announce(s.settings)
        s.folder_settings = {}
        for f, raw in zip(folders, got[1:]):
            if isinstance(raw, dict):
                fs = s.settings.merged(raw)
                self._announce(fs)
                s.folder_settings[f] = fs

    def _announce(self, st: Settings) -> None:
        for p in st.problems:
            if p not in self._said:
                self._said.add(p)
                self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"dbmt: {p}"))

    async def settings_changed(self, params) -> None:
        await self.pull_configuration()
        if not self.ctx.client.configuration and params is not None and params.settings is not None:
            self.session.settings = self.init_settings.merged(params.settings)
            self._announce(self.session.settings)
        await self.ready()
        self._recheck_for_settings()

    def _recheck_for_settings(self) -> None:
        """Re-check the roots whose engine configuration the settings changed, and publish."""
        for root in self.session.roots.values():
            if root.ws is None:
                continue
            cfg = self.session.config_for(root)
            if cfg != root.ws.config:
                root.ws.config = cfg
                root.ws.check_all()
                self.session.pending.update(root.ws.files)
        self.publish_pending()

    # -- indexing ---------------------------------------------------------------------------------
    def index(self, root) -> asyncio.Future:
        """Load a root off the event loop (requests wait for it), with work-done progress."""
        key = str(root.path)
        running = self._indexing.get(key)
        if running is not None and not running.done():
            return running
        fut = asyncio.ensure_future(self._index(root))
        self._indexing[key] = fut
        return fut

    async def _index(self, root) -> None:
        loop = asyncio.get_running_loop()
        config = self.session.config_for(root)
        if root.error:
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Error, message=f"dbmt: {root.error}"))
        files = [p for p in self.session.files_of(root, config) if os.path.isfile(p)]
        token = None
        if self.ctx.client.work_done_progress:
            token = f"dbmt-index-{uuid.uuid4().hex[:8]}"
            try:
                await asyncio.wait_for(self.work_done_progress.create_async(token), 10)
                self.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                    title="dbmt: indexing", message=f"{len(files)} files in {root.path.name}", percentage=0, cancellable=False))
            except Exception:
                token = None
        last = [-1]

        def progress(phase: str, done: int, total: int) -> None:
            if token is None or total == 0:
                return
            pct = int(100 * done / total) if phase == "checking" else 0
            if pct == last[0]:
                return
            last[0] = pct
            msg = f"{phase} {done}/{total} files"
            loop.call_soon_threadsafe(self.work_done_progress.report, token,
                                      types.WorkDoneProgressReport(message=msg, percentage=pct))

        from ..workspace import Workspace
        try:
            ws = await loop.run_in_executor(None, lambda: Workspace.open(root.path, config=config, paths=files, progress=progress))
            self.session.install(root, ws)
            self._watch_roots()
            n_err = sum(1 for ds in ws.all_diagnostics().values() for d in ds if d.severity == "error")
            self.log(f"indexed {len(ws.files)} files under {root.path} ({n_err} errors)")
            if token is not None:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=f"{len(ws.files)} files, {n_err} errors"))
        except Exception as exc:
            self.log_exception(f"indexing {root.path}", exc)
            if token is not None:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="failed"))
            return
        self.publish_pending()

    async def reindex_all(self) -> None:
        """A config file changed: roots may have moved. Index again from the folders and the open
        documents; files that left every root get their diagnostics cleared."""
        await self.ready()
        s = self.session
        before = set(s.all_files())
        folders = list(s.folders)
        s.forget_roots()
        for f in folders:
            s.add_folder(f)
        for p in s.docs:
            s.root_for(p)
            s.dirty.add(p)
        for r in list(s.roots.values()):
            self.index(r)
        await self.ready()
        self.flush_all()
        for p in before - set(s.all_files()):
            s.pending.add(p)
        self.publish_pending()

    # -- documents -------------------------------------------------------------------------------------
    def did_open(self, params: types.DidOpenTextDocumentParams) -> None:
        td = params.text_document
        path = self.ctx.path_of(td.uri)
        self.ctx.remember_uri(path, td.uri)
        if not is_schema_file(path) and td.language_id not in ("dbmt", "dbml"):
            return
        self.session.open(Document(td.uri, path, td.version, td.text, td.language_id))
        root = self.session.root_for(path)
        if root.ws is None:
            if self._configured:
                self.index(root)  # a file outside the folders indexed so far, or one being indexed
            return
        self.schedule(path, 0)

    def did_change(self, params: types.DidChangeTextDocumentParams) -> None:
        path = self.ctx.path_of(params.text_document.uri)
        doc = self.session.docs.get(path)
        if doc is None:
            return
        text = doc.text
        for ch in params.content_changes:
            if isinstance(ch, types.TextDocumentContentChangeWholeDocument) or getattr(ch, "range", None) is None:
                text = ch.text
            else:
                li = self.ctx.codec.lines(path + "#edit", text)
                a = self.ctx.codec.offset(li, ch.range.start)
                b = self.ctx.codec.offset(li, ch.range.end)
                text = text[:a] + ch.text + text[max(a, b):]
        self.ctx.codec.forget(path + "#edit")
        self.session.change(path, text, params.text_document.version)
        self.schedule(path)

    def did_close(self, params: types.DidCloseTextDocumentParams) -> None:
        path = self.ctx.path_of(params.text_document.uri)
        t = self._timers.pop(path, None)
        if t is not None:
            t.cancel()
        self.session.close(path)
        self.publish_pending()

    def did_change_watched_files(self, params: types.DidChangeWatchedFilesParams) -> None:
        self.disk_events([(self.ctx.path_of(ev.uri), ev.type == types.FileChangeType.Deleted) for ev in params.changes])

    def disk_events(self, events: list[tuple[str, bool]]) -> None:
        """Files created, changed or deleted on disk ((path, deleted)), as the client's watchers
        or the server's own report them."""
        self._pause_gc()
        config_changed = False
        for path, deleted in events:
            name = os.path.basename(path)
            if name in ("dbmt.toml", "pyproject.toml"):
                config_changed = True
                continue
            if not is_schema_file(path):
                continue
            root = self.session.root_for(path)
            if root.ws is None:
                continue
            self.session.disk_changed(path, deleted)
        if config_changed:
            asyncio.ensure_future(self.reindex_all())
        else:
            self.publish_pending()

    def did_change_folders(self, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for f in params.event.removed or []:
            for p in self.session.remove_folder(self.ctx.path_of(f.uri)):
                self.session.pending.add(p)
        self._watch_roots()
        for f in params.event.added or []:
            self.index(self.session.add_folder(self.ctx.path_of(f.uri)))
        self.publish_pending()

    # -- the debounce -------------------------------------------------------------------------------
    def schedule(self, path: str, delay_ms: int | None = None) -> None:
        """Publish a document's diagnostics once it has been quiet for the debounce (each edit
        restarts its timer, so work for superseded versions is never done)."""
        t = self._timers.pop(path, None)
        if t is not None:
            t.cancel()
        if delay_ms is None:
            root = self.session.root_for(path)
            delay_ms = self.session.settings_for(root).debounce_ms
        loop = asyncio.get_event_loop()
        self._timers[path] = loop.call_later(delay_ms / 1000.0, self._debounced, path)

    def _debounced(self, path: str) -> None:
        self._timers.pop(path, None)
        if path in self.session.dirty:
            self._pause_gc()
        try:
            self.session.flush([path])
        except Exception as exc:
            self.log_exception(f"checking {path}", exc)
        self.publish_pending()

    def flush_all(self) -> None:
        if self.session.dirty:
            self._pause_gc()
        try:
            self.session.flush()
        except Exception as exc:
            self.log_exception("applying edits", exc)

    # -- publishing --------------------------------------------------------------------------------------
    def _tell_too_big(self) -> None:
        for path, size in sorted(self.session.too_big.items()):
            if (path, "big") in self._said:
                continue
            self._said.add((path, "big"))
            limit = self.session.settings_for(self.session.root_for(path)).max_file_bytes
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=(
                f"dbmt: {os.path.basename(path)} is {_size(size)}, over the live-analysis limit of "
                f"{_size(limit)} (setting dbmt.maxFileBytes): it is not checked while you edit; "
                f"run `dbmt-lsp --check {path}` instead")))
        for key in [k for k in self._said if isinstance(k, tuple) and k[0] not in self.session.too_big]:
            self._said.discard(key)

    # -- the re-check --------------------------------------------------------------------------------
    def _pause_gc(self) -> None:
        """Pause the cyclic GC while edits are applied and re-checked, until they are published.
        The workspace is frozen once loaded (gc.freeze), but what edits build is not: with the
        GC on, full collections walked it again and again during a re-check (renaming one of
        104,857 same-named tables: its update 0.8 → 1.2–2.5 s and its re-check 4.5 → 5.3–6.9 s,
        growing from edit to edit). An edit makes no garbage cycles (a collection after one
        frees nothing), so nothing is lost meanwhile; the GC goes on as usual once published."""
        if gc.isenabled():
            gc.disable()
            self._gc_paused = True

    def _resume_gc(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.enable()

    def _start_checking(self) -> asyncio.Future:
        if self._checking is None or self._checking.done():
            self._checking = asyncio.ensure_future(self._check_loop())
        return self._checking

    async def checked(self) -> None:
        """Until every unit the edits so far left is checked (a cancelled request stops waiting;
        the re-check goes on)."""
        while not self.session.settled():
            await asyncio.shield(self._start_checking())

    async def _check_loop(self) -> None:
        """Check what edits left, CHECK_SLICE_UNITS at a time, yielding to the event loop in
        between: requests are answered and edits applied meanwhile (an edit adds what it
        changes). Publishes once nothing is left, so what is published is one state's."""
        progress: _Progress | None = None
        done = 0
        self._pause_gc()
        try:
            while True:
                wss = [r.ws for r in list(self.session.roots.values()) if r.ws is not None and r.ws.unchecked]
                if not wss:
                    break
                if progress is None and self.ctx.client.work_done_progress:
                    left = sum(len(ws.unchecked) for ws in wss)
                    if left >= PROGRESS_MIN_UNITS:
                        progress = _Progress(self, "dbmt: checking", f"{left:,} elements")
                for ws in wss:
                    n = len(ws.unchecked)
                    try:
                        ws.check_some(CHECK_SLICE_UNITS)
                    except Exception as exc:  # a bug: leave those units as they were, never spin
                        self.log_exception("checking after an edit", exc)
                        ws.forget_unchecked()
                    done += n - len(ws.unchecked)
                if progress is not None:
                    left = sum(len(r.ws.unchecked) for r in self.session.roots.values() if r.ws is not None)
                    progress.report(done, done + left)
                if self._answered is not None and done <= CHECK_SLICE_UNITS:
                    self._answered.clear()
                    await self._answered.wait()
                await asyncio.sleep(0)
        finally:
            if progress is not None:
                progress.end(f"{done:,} elements checked")
        self.publish_pending()

    def publish_pending(self) -> None:
        """Push what changed (open files with their version, closed files too); in pull mode,
        ask the client to pull again when another file's diagnostics changed. While edits
        have left units unchecked, the re-check publishes when it is done."""
        if not self.session.settled():
            self._start_checking()
            return
        if self.session.too_big:
            self._tell_too_big()
        paths = self.session.take_pending()
        changed_elsewhere = False
        for path in paths:
            try:
                diags = diag_feature.diagnostics_of(self.ctx, path)
            except Exception as exc:
                self.log_exception(f"diagnostics of {path}", exc)
                continue
            version = self.session.version_of(path)
            if self.pull:
                rid = diag_feature.result_id(diags, None)
                if self._pulled.get(path) != rid:
                    self._pulled[path] = rid
                    changed_elsewhere = True
                continue
            rid = diag_feature.result_id(diags, version)
            if self._published.get(path) == rid:
                continue
            if not diags and path not in self._published and version is None:
                continue  # a closed file: nothing was shown, nothing to clear
            self._published[path] = rid
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=self.ctx.uri_of(path), diagnostics=diags, version=version))
        if self.pull and changed_elsewhere:
            self._refresh("workspace/diagnostic/refresh", self.workspace_diagnostic_refresh)
        self._refresh_views()
        for hook in self.published_hooks:
            try:
                hook(self)
            except Exception as exc:
                self.log_exception(getattr(hook, "__name__", "a publish hook"), exc)
        self._resume_gc()

    def _refresh_views(self) -> None:
        """What an open document shows of other files (code lens reference counts, the
        generated columns of an extension, a token's kind) changes when a name is defined,
        used or removed anywhere: ask clients that take it to request those again."""
        seen = tuple(sorted((p, r.ws.names_generation) for p, r in self.session.roots.items() if r.ws is not None))
        if seen == self._names_seen:
            return
        first = not self._names_seen
        self._names_seen = seen
        if first or not self.session.docs:
            return  # the first index: clients ask for what they show once they have it
        c = self.ctx.client
        if c.code_lens_refresh:
            self._refresh("workspace/codeLens/refresh", self.workspace_code_lens_refresh)
        if c.inlay_hint_refresh:
            self._refresh("workspace/inlayHint/refresh", self.workspace_inlay_hint_refresh)
        if c.semantic_tokens_refresh:
            self._refresh("workspace/semanticTokens/refresh", self.workspace_semantic_tokens_refresh)

    def _refresh(self, method: str, send) -> None:
        try:
            send(None)
        except Exception as exc:
            self.log(f"{method} failed: {exc}", types.MessageType.Warning)


class _Progress:
    """Work-done progress for a re-check, without holding it up: the token is created in the
    background (a client may answer late or never), begun when the client has accepted it,
    and reported and ended only if it was begun."""

    def __init__(self, server: "DbmtServer", title: str, message: str):
        self.server = server
        self.token = f"dbmt-check-{uuid.uuid4().hex[:8]}"
        self.begun = False
        self.over = False
        self.last_pct = -1
        created = asyncio.ensure_future(asyncio.wait_for(server.work_done_progress.create_async(self.token), 10))

        def accepted(fut: asyncio.Future) -> None:
            if self.over or fut.cancelled() or fut.exception() is not None:
                return
            server.work_done_progress.begin(self.token, types.WorkDoneProgressBegin(
                title=title, message=message, percentage=0, cancellable=False))
            self.begun = True

        created.add_done_callback(accepted)

    def report(self, done: int, total: int) -> None:
        pct = int(100 * done / max(1, total))
        if self.begun and pct != self.last_pct:
            self.last_pct = pct
            self.server.work_done_progress.report(self.token, types.WorkDoneProgressReport(
                message=f"{done:,} of {total:,} elements", percentage=pct))

    def end(self, message: str) -> None:
        self.over = True
        if self.begun:
            self.server.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))


async def _drive(gen):
    """Run a feature generator, letting the event loop in between steps (cancellation lands
    as CancelledError at the next step)."""
    steps = 0
    try:
        while True:
            next(gen)
            steps += 1
            if steps % 8 == 0:
                await asyncio.sleep(0)
    except StopIteration as stop:
        return stop.value


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1e6:.1f} MB"
    if n >= 10_000:
        return f"{n // 1000} KB"
    return f"{n:,} bytes"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return True
    return True


def build() -> DbmtServer:
    """A server with every feature registered."""
    from .features import register
    server = DbmtServer()

    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams):
        server.on_initialize(params)

    @server.feature(types.INITIALIZED)
    async def initialized(params):
        try:
            await server.on_initialized(params)
        except Exception as exc:
            server.log_exception("initialized", exc)

    server.notification(types.TEXT_DOCUMENT_DID_OPEN, server.did_open)
    server.notification(types.TEXT_DOCUMENT_DID_CHANGE, server.did_change)
    server.notification(types.TEXT_DOCUMENT_DID_CLOSE, server.did_close)
    server.notification(types.WORKSPACE_DID_CHANGE_WATCHED_FILES, server.did_change_watched_files)
    server.notification(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, server.did_change_folders)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(params):
        try:
            await server.settings_changed(params)
        except Exception as exc:
            server.log_exception("didChangeConfiguration", exc)

    register(server)
    return server


def serve(tcp: str | None = None) -> int:
    """Run the server until the client says `exit` (or the connection ends); the exit code is
    0 after a `shutdown`, 1 without one (LSP's rule)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = build()
    if tcp:
        host, _, port = tcp.rpartition(":")
        server.start_tcp(host or "127.0.0.1", int(port))
    else:
        server.start_io()
    return 0 if server.protocol._shutdown else 1
