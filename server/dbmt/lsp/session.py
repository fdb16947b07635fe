"""Open documents and the engine workspaces behind them: which root a file belongs to, applying
edits, which files' diagnostics changed and still wait to be published, and the settings.

Nothing here speaks the protocol or knows about time: the server decides when to flush (after
its debounce, or before answering a request) and when to publish. That keeps this testable
without a client.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from ..diagnostics import Diagnostic
from ..workspace import Workspace
from ..workspace.config import Config, ConfigError, find_root, load_config
from ..workspace.files import discover, included, read_source
from .settings import Settings

CONFIG_NAMES = ("dbmt.toml", "pyproject.toml")


def is_schema_file(path: str) -> bool:
    return path.endswith(".dbmt") or path.endswith(".dbml")


@dataclasses.dataclass
class Document:
    """A document the client has open: its text overrides the file on disk."""

    uri: str
    path: str
    version: int | None
    text: str
    language_id: str = "dbmt"


class Root:
    """One engine workspace: a folder and the Workspace loaded from it (None until indexed)."""

    def __init__(self, path: Path, source: Path | None, folder: str | None):
        self.path = path
        self.source = source          # its config file, if any
        self.folder = folder          # the client's workspace folder it came from
        self.ws: Workspace | None = None
        self.error: str | None = None  # a config that cannot be used

    def contains(self, path: str) -> bool:
        root = str(self.path)
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


class Session:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.folder_settings: dict[str, Settings] = {}
        self.folders: list[str] = []
        self.roots: dict[str, Root] = {}
        self.docs: dict[str, Document] = {}
        self.dirty: set[str] = set()       # open documents whose text the engine has not seen
        self.pending: set[str] = set()     # files whose diagnostics were recomputed, not published
        self.too_big: dict[str, int] = {}   # files over settings.max_file_bytes: not analysed live (size)
        self._roots_found: dict = {}

    # -- roots -----------------------------------------------------------------------------------
    def folder_of(self, path: str) -> str | None:
        """The deepest client workspace folder holding a path."""
        best = None
        for f in self.folders:
            if path == f or path.startswith(f.rstrip(os.sep) + os.sep):
                if best is None or len(f) > len(best):
                    best = f
        return best

    def _found(self, start: str, folder: str | None):
        """workspace.config.find_root (the CLI's rule) with the client's folder as the fallback,
        kept per folder of the disk (many files share one)."""
        key = (start, folder)
        r = self._roots_found.get(key)
        if r is None:
            r = self._roots_found[key] = find_root(Path(start), fallback=Path(folder) if folder else None)
        return r

    def root_for(self, path: str) -> Root:
        """The root a file belongs to (made, not yet indexed, when it is the first file of it)."""
        folder = self.folder_of(path)
        found = self._found(os.path.dirname(path), folder)
        r = self.roots.get(str(found.path))
        if r is None:
            r = self.roots[str(found.path)] = Root(found.path, found.config_file, folder)
        return r

    def add_folder(self, folder: str) -> Root:
        folder = os.path.realpath(folder)
        if folder not in self.folders:
            self.folders.append(folder)
        self._roots_found.clear()
        found = self._found(folder, folder)
        r = self.roots.get(str(found.path))
        if r is None:
            r = self.roots[str(found.path)] = Root(found.path, found.config_file, folder)
        return r

    def forget_roots(self) -> None:
        """Config files changed: roots are found again."""
        self.roots.clear()
        self._roots_found.clear()

    def remove_folder(self, folder: str) -> list[str]:
        """Forget a workspace folder; returns the files whose diagnostics must be cleared."""
        folder = os.path.realpath(folder)
        if folder in self.folders:
            self.folders.remove(folder)
        self._roots_found.clear()
        gone = []
        for key, r in list(self.roots.items()):
            if r.folder == folder and not any(r.contains(p) for p in self.docs):
                del self.roots[key]
                if r.ws is not None:
                    gone.extend(r.ws.files)
        self.folder_settings.pop(folder, None)
        return gone

    def settings_for(self, root: Root) -> Settings:
        if root.folder is not None and root.folder in self.folder_settings:
            return self.folder_settings[root.folder]
        return self.settings

    # -- loading ----------------------------------------------------------------------------
    def config_for(self, root: Root) -> Config:
        """The engine's config for a root: its config file, then the editor's settings on top
        (docs/lsp.md: editor settings win over dbmt.toml for severities)."""
        try:
            cfg = load_config(root.path, root.source)
            root.error = None
        except ConfigError as e:
            root.error = str(e)
            cfg = Config(root=root.path)
        return self.settings_for(root).apply_to(cfg)

    def files_of(self, root: Root, config: Config) -> list[str]:
        """The files a root indexes: its discovered files (discovery leaves out folders that are
        roots of their own) and the open documents it holds; files over the size limit are left
        out (`too_big`)."""
        out = []
        limit = self.settings_for(root).max_file_bytes
        for p in discover(root.path, config):
            try:
                size = os.path.getsize(p)
            except OSError:
                continue
            if size > limit and p not in self.docs:
                self.too_big[p] = size
                continue
            out.append(p)
        for p in self.docs:
            if p not in out and self.root_for(p) is root and p not in self.too_big:
                out.append(p)
        return out

    def fits(self, path: str, text: str) -> bool:
        """Whether a document is small enough to analyse live; records it in `too_big` if not."""
        limit = self.settings_for(self.root_for(path)).max_file_bytes
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if size > limit:
            self.too_big[path] = size
            return False
        self.too_big.pop(path, None)
        return True

    def load(self, root: Root, progress=None) -> Workspace:
        """Index a root from disk (safe to run off the event loop: it touches nothing shared);
        `install` then puts it in place."""
        config = self.config_for(root)
        files = [p for p in self.files_of(root, config) if os.path.isfile(p)]
        return Workspace.open(root.path, config=config, paths=files, progress=progress)

    def install(self, root: Root, ws: Workspace) -> None:
        """Use a freshly loaded workspace: open documents override what it read from disk."""
        root.ws = ws
        for path, doc in self.docs.items():
            if root.contains(path) and self.root_for(path) is root and path not in self.too_big:
                if ws.text_of(path) != doc.text:
                    ws.update_file(path, doc.text, defer=True)
        self.dirty = {p for p in self.dirty if not root.contains(p)}
        self.pending.update(ws.files)

    # -- documents --------------------------------------------------------------------------
    def open(self, doc: Document) -> None:
        self.docs[doc.path] = doc
        if self.fits(doc.path, doc.text):
            self.dirty.add(doc.path)

    def change(self, path: str, text: str, version: int | None) -> None:
        doc = self.docs.get(path)
        if doc is None:
            return
        doc.text = text
        doc.version = version
        was_big = path in self.too_big
        if self.fits(path, text):
            self.dirty.add(path)
        elif not was_big:
            # It just grew past the limit: what the engine knows of it is stale, so forget it.
            ws = self.root_for(path).ws
            if ws is not None and path in ws.files:
                self.pending |= ws.remove_file(path, defer=True)
                self.pending.add(path)

    def close(self, path: str) -> None:
        """The client closed a document: the file on disk is what counts again (or nothing,
        if it is gone or was never saved)."""
        doc = self.docs.pop(path, None)
        self.dirty.discard(path)
        if doc is None:
            return
        root = self.root_for(path)
        if root.ws is None:
            return
        if os.path.isfile(path) and self._indexed(root, path):
            text, problem = read_source(path)
            if root.ws.text_of(path) != text or problem is not None:
                self.pending.update(root.ws.update_file(path, text, problem, defer=True))
        elif path in root.ws.files:
            self.pending.update(root.ws.remove_file(path, defer=True))
            self.pending.add(path)

    def _indexed(self, root: Root, path: str) -> bool:
        """Whether a file on disk belongs to the root's files (not excluded by its config, not
        under a folder that is a root of its own)."""
        cfg = root.ws.config if root.ws is not None else Config(root=root.path)
        return self.root_for(path) is root and included(root.path, cfg, path)

    def flush(self, paths=None) -> set[str]:
        """Give the engine the current text of dirty documents (all, or those in `paths`);
        returns the files whose diagnostics were recomputed."""
        todo = [p for p in (self.dirty if paths is None else set(paths) & self.dirty)]
        changed: set[str] = set()
        for path in sorted(todo):
            root = self.root_for(path)
            if root.ws is None:
                continue  # applied when the root's index is installed
            self.dirty.discard(path)
            doc = self.docs[path]
            if root.ws.text_of(path) == doc.text and path in root.ws.files:
                changed.add(path)  # its version changed: publish under the new one
                continue
            changed |= root.ws.update_file(path, doc.text, defer=True)
            changed.add(path)
        self.pending |= changed
        return changed

    # -- files changed on disk ------------------------------------------------------------------
    def disk_changed(self, path: str, deleted: bool) -> set[str]:
        """A watched file was created, changed or deleted on disk. Open documents keep their
        text; returns the files whose diagnostics were recomputed."""
        if path in self.docs:
            return set()
        root = self.root_for(path)
        ws = root.ws
        if ws is None:
            return set()
        if deleted or not os.path.isfile(path):
            self.too_big.pop(path, None)
            out = ws.remove_file(path, defer=True)
            out.add(path)
        else:
            if not self._indexed(root, path) and path not in ws.files:
                return set()
            try:
                size = os.path.getsize(path)
            except OSError:
                return set()
            if size > self.settings_for(root).max_file_bytes:
                self.too_big[path] = size
                out = ws.remove_file(path, defer=True) if path in ws.files else set()
                self.pending |= out
                return out
            try:
                text, problem = read_source(path)
            except OSError:
                return set()
            if ws.text_of(path) == text and problem is None:
                return set()
            out = ws.update_file(path, text, problem, defer=True)
        self.pending |= out
        return out

    # -- queries ----------------------------------------------------------------------------
    def workspace_of(self, path: str) -> Workspace | None:
        return self.root_for(path).ws

    def text_of(self, path: str) -> str | None:
        doc = self.docs.get(path)
        if doc is not None:
            return doc.text
        ws = self.workspace_of(path)
        return ws.text_of(path) if ws is not None else None

    def settled(self) -> bool:
        """Whether every unit edits left unchecked has been checked (Workspace.check_some):
        until then some diagnostics are stale, and none are published."""
        return all(r.ws is None or not r.ws.unchecked for r in self.roots.values())

    def diagnostics_of(self, path: str) -> list[Diagnostic]:
        ws = self.workspace_of(path)
        return ws.diagnostics_for(path) if ws is not None else []

    def version_of(self, path: str) -> int | None:
        doc = self.docs.get(path)
        return doc.version if doc is not None else None

    def all_files(self) -> list[str]:
        out = []
        for r in self.roots.values():
            if r.ws is not None:
                out.extend(r.ws.files)
        return sorted(set(out))

    def take_pending(self) -> list[str]:
        """The files to publish now: recomputed, and not waiting for an edit the engine has
        not seen (those are published when their own debounce ends)."""
        ready = sorted(p for p in self.pending if p not in self.dirty)
        self.pending -= set(ready)
        return ready

