"""Files → index → diagnostics: discovery, reading, incremental updates and re-checks by name.

`Workspace` is the engine every consumer sits on (CLI, language server, benchmarks). Replacing
one file's text re-parses that file only (chunks whose text did not change come from the parse
cache) and re-checks the files that depend on a name whose definition changed.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

from ..diagnostics import ERROR, Diagnostic
from ..syntax import parse_files, parse_text
from .config import Config, ConfigError, find_root, load_config
from .files import discover, read_source
from .index import FileModel, Index

__all__ = ["Workspace", "Config", "ConfigError", "discover", "read_source"]

class FileState:
    __slots__ = ("path", "model", "decode_problem", "diagnostics", "deps")

    def __init__(self, path: str, model: FileModel, decode_problem):
        self.path = path
        self.model = model
        self.decode_problem = decode_problem
        self.diagnostics: list[Diagnostic] = []
        self.deps: set[str] = set()


class Workspace:
    def __init__(self, root: Path, config: Config):
        self.root = Path(root)
        self.config = config
        self.index = Index()
        self.files: dict[str, FileState] = {}
        self.dependents: dict[str, set[str]] = {}
        self.run_cache: dict = {}

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def open(cls, root, use_cache: bool = True, config: Config | None = None, paths: list[str] | None = None) -> "Workspace":
        root = Path(root).resolve()
        if config is None:
            croot, source = find_root(root)
            config = load_config(croot, source)
        ws = cls(config.root, config)
        # Loading allocates millions of long-lived nodes: the cyclic GC would rescan them over
        # and over (measured: 3.8 s → 2.4 s for 2,000 tables without it). Collect after, then
        # freeze what is loaded so later collections skip it.
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            sources = [(os.path.abspath(p), *read_source(p)) for p in (paths if paths is not None else discover(root, config))]
            parsed = parse_files([text for _, text, _ in sources])
            for (path, text, problem), pf in zip(sources, parsed):
                ws._load(path, text, problem, pf)
            ws._resolve_all()
            ws.check_all()
        finally:
            if was_enabled:
                gc.enable()
                gc.freeze()
        return ws

    def _model(self, path: str, text: str, parsed=None) -> FileModel:
        return FileModel(path, parsed if parsed is not None else parse_text(text), path.endswith(".dbml"))

    def _load(self, path: str, text: str, problem=None, parsed=None) -> None:
        fm = self._model(path, text, parsed)
        self.files[path] = FileState(path, fm, problem)
        self.index.add(fm)

    def _exists(self, p: str) -> bool:
        return p in self.files or os.path.isfile(p)

    def _resolve_all(self) -> None:
        for st in self.files.values():
            st.model.resolve_imports(self._exists)

    # -- checking ---------------------------------------------------------------------------
    def check_all(self) -> None:
        self.run_cache = {}
        for path in self.files:
            self._check(path)

    def _check(self, path: str) -> None:
        st = self.files[path]
        for key in st.deps:
            s = self.dependents.get(key)
            if s is not None:
                s.discard(path)
        from ..check import run_rules  # the rule modules import the index: import them late

        diags, deps = run_rules(self.index, st.model, self.config, self.run_cache, st.decode_problem)
        st.diagnostics = diags
        st.deps = deps
        for key in deps:
            self.dependents.setdefault(key, set()).add(path)

    # -- queries ----------------------------------------------------------------------------
    def all_diagnostics(self) -> dict[str, list[Diagnostic]]:
        return {p: st.diagnostics for p, st in self.files.items()}

    def diagnostics_for(self, path: str) -> list[Diagnostic]:
        st = self.files.get(os.path.abspath(path))
        return st.diagnostics if st else []

    def has_errors(self) -> bool:
        return any(d.severity == ERROR for st in self.files.values() for d in st.diagnostics)

    def text_of(self, path: str) -> str | None:
        st = self.files.get(os.path.abspath(path))
        return st.model.parsed.text if st else None

    # -- incremental updates ----------------------------------------------------------------
    def update_file(self, path: str, text: str) -> set[str]:
        """Replace one file's text; returns the paths whose diagnostics were recomputed."""
        path = os.path.abspath(path)
        old = self.files.get(path)
        old_sigs = old.model.signatures if old else {}
        old_has_use = old.model.has_use if old else None
        if old is not None:
            self.index.remove(path, keep_slot=True)
        fm = self._model(path, text)
        fm.resolve_imports(self._exists)
        st = FileState(path, fm, None)
        if old is not None:
            st.deps = old.deps
        self.files[path] = st
        self.index.add(fm)
        changed = {k for k in set(old_sigs) | set(fm.signatures) if old_sigs.get(k) != fm.signatures.get(k)}
        if old_has_use != fm.has_use:
            changed.add("nouse:*")
        if old is None:
            # A new file can satisfy imports of files that named it before it existed.
            for other in self.files.values():
                if other.path != path and any(i.target is None for i in other.model.imports):
                    other.model.resolve_imports(self._exists)
                    changed.add(f"imports-of:{other.path}")
        return self._recheck(path, changed)

    def remove_file(self, path: str) -> set[str]:
        path = os.path.abspath(path)
        old = self.files.pop(path, None)
        if old is None:
            return set()
        self.index.remove(path)
        changed = set(old.model.signatures) | {"nouse:*"}
        for other in self.files.values():
            if any(i.target == path for i in other.model.imports):
                other.model.resolve_imports(self._exists)
                changed.add(f"imports-of:{other.path}")
        return self._recheck(None, changed)

    def _recheck(self, path: str | None, changed: set[str]) -> set[str]:
        affected = {path} if path else set()
        for key in changed:
            affected |= self.dependents.get(key, set())
            if key.startswith("imports-of:"):
                affected.add(key.split(":", 1)[1])
            if key.startswith("exports:"):
                # Files importing this one see a different set of names.
                for other in self.files.values():
                    if any(i.target == key.split(":", 1)[1] for i in other.model.imports):
                        affected.add(other.path)
        affected = {p for p in affected if p in self.files}
        self.run_cache = {}
        for p in affected:
            self._check(p)
        return affected

    # -- navigation ---------------------------------------------------------------------------
    def definition_at(self, path: str, offset: int):
        from ..navigate import definition_at
        return definition_at(self, os.path.abspath(path), offset)

    def visible_names(self, path: str, offset: int):
        from ..navigate import visible_names
        return visible_names(self, os.path.abspath(path), offset)
