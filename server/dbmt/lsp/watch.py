"""File watching for clients that cannot do it for the server.

LSP leaves watching to the client (`workspace/didChangeWatchedFiles`, registered dynamically).
A client that does not offer dynamic registration — Neovim on Linux, which needs
`inotifywait` for it, and editors without watchers — would leave the index blind to files
created, changed or deleted outside the editor (a `git checkout`, a teammate's file pulled).
For those the server watches its roots itself with `watchfiles` (inotify / FSEvents /
ReadDirectoryChangesW under one API, in a thread) and hands the events to the same code the
client's notifications go to.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

SCHEMA_SUFFIXES = (".dbmt", ".dbml")
CONFIG_NAMES = ("dbmt.toml", "pyproject.toml")
SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", ".venv", "__pycache__", ".dbmt-cache"}


def wanted(path: str) -> bool:
    """The files the client's watchers would cover (server.WATCH_GLOBS), outside tool folders."""
    name = os.path.basename(path)
    if not (name.endswith(SCHEMA_SUFFIXES) or name in CONFIG_NAMES):
        return False
    return not any(part in SKIP_DIRS for part in path.split(os.sep))


class RootWatcher:
    """Watches a set of folders in one background thread; `on_events` receives lists of
    (path, deleted) from that thread (the caller moves them to its own loop)."""

    def __init__(self, on_events: Callable[[list[tuple[str, bool]]], None]):
        self._on_events = on_events
        self._paths: tuple[str, ...] = ()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return self._paths

    def watch(self, paths) -> None:
        """Watch exactly these folders (restarts the thread when the set changed)."""
        paths = tuple(sorted({os.path.realpath(p) for p in paths if os.path.isdir(p)}))
        if paths == self._paths:
            return
        self.stop()
        self._paths = paths
        if not paths:
            return
        stop = self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(paths, stop), name="dbmt-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._stop = None
        self._thread = None
        self._paths = ()

    def _run(self, paths: tuple[str, ...], stop: threading.Event) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(*paths, watch_filter=lambda _c, p: wanted(p), stop_event=stop,
                                            debounce=100, step=50, raise_interrupt=False, ignore_permission_denied=True):
                events = sorted((p, c == watchfiles.Change.deleted) for c, p in changes)
                if events and not stop.is_set():
                    self._on_events(events)
        except Exception:  # the watcher is a convenience: the server keeps running without it
            log.exception("watching %s failed", ", ".join(paths))
