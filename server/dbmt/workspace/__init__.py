"""Files → index → diagnostics: discovery, reading, incremental updates and re-checks by name.

`Workspace` is the engine every consumer sits on (CLI, language server, benchmarks). Replacing
one file's text re-parses the chunks of that file the edit touched, and re-checks the units
(top-level elements) it replaced and the units, in any file, that depend on a name whose
signature changed; every other unit keeps its diagnostics, moved with its text
(docs/architecture.md).
"""

from __future__ import annotations

import bisect
import gc
from collections import Counter, deque
import os
import pickle
import sys
from pathlib import Path

from ..diagnostics import ERROR, Diagnostic, Related
from ..syntax import parallel, parse_files, parse_text
from .config import Config, ConfigError, find_root, load_config
from .files import discover, read_source
from .index import FileModel, Index

__all__ = ["Workspace", "Config", "ConfigError", "discover", "read_source"]

# Signature keys whose meaning depends on what their file sees (names as that file uses them).
SCOPED_KEYS = ("refmention:", "groupmention:", "claims:", "supporters:", "events:")

SMALL_DEPENDENTS = 8  # up to this many units depending on one key are a tuple, more a set
CHANGE_LOG = 8  # changes whose keys are kept (Workspace.changed_since; the diagram asks after each)
_NO_KEYS: frozenset[str] = frozenset()  # shared by the units that have no key
# A cold check of at least this many characters runs the rules on two cores (a forked worker
# sharing the units; Workspace._check_in_parallel). Measured in bench/README.md.
CHECK_PARALLEL_MIN_CHARS = 300_000
CHECK_BATCH_UNITS = 64  # units per batch the worker sends (fewer for small loads: a short tail)


def _export_diff(before: FileModel, after: FileModel) -> set[tuple[str, str]] | None:
    """The (kind, key) names a file defines a different number of times after an edit; None
    when what it re-exports (`reuse` lines) changed too (then every importer looks again)."""
    def reexports(fm: FileModel) -> list[str]:
        text = fm.parsed.text
        return [text[el.start:el.end] for el in fm.parsed.elements if el.kind == "use" and el.keyword == "reuse"]

    if reexports(before) != reexports(after):
        return None
    a = Counter((d.kind, d.key) for d in before.defs)
    b = Counter((d.kind, d.key) for d in after.defs)
    return {k for k in a.keys() | b.keys() if a[k] != b[k]}


class Unit:
    """One chunk of a file (a top-level element) as checked: its diagnostics and the names they
    depend on. An edit re-checks the units it touched and the units whose names changed; the
    others keep their diagnostics, moved with the text. The unit with no chunk holds what
    belongs to the file as a whole (a decoding problem)."""

    __slots__ = ("path", "chunk", "diagnostics", "deps", "points_into")

    def __init__(self, path: str, chunk):
        self.path = path
        self.chunk = chunk
        self.diagnostics: list[Diagnostic] | tuple = ()
        self.deps: tuple[str, ...] = ()
        self.points_into: set[str] | frozenset[str] = _NO_KEYS  # files (its own included) its related places are in


class FileState:
    __slots__ = ("path", "model", "decode_problem", "units", "_diagnostics")

    def __init__(self, path: str, model: FileModel, decode_problem):
        self.path = path
        self.model = model
        self.decode_problem = decode_problem
        self.units: dict[int, Unit] = {}  # id(chunk) → unit; 0 → the file's own unit
        self._diagnostics: list[Diagnostic] | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every unit's diagnostics, in order (Diagnostic.sort_key). Each unit's list is in order
        (run_rules sorts it; a move shifts it whole) and the units follow their chunks, so the
        lists joined are in order unless one starts before the last ends (the file's own unit,
        a decoding problem, comes first): then they are sorted."""
        if self._diagnostics is None:
            key = Diagnostic.sort_key
            out: list[Diagnostic] = []
            in_order = True
            for u in self.units.values():
                ds = u.diagnostics
                if ds:
                    if in_order and out and key(ds[0]) < key(out[-1]):
                        in_order = False
                    out.extend(ds)
            if not in_order:
                out.sort(key=key)
            self._diagnostics = out
        return self._diagnostics


class Workspace:
    def __init__(self, root: Path, config: Config):
        self.root = Path(root)
        self.config = config
        self.index = Index()
        self.files: dict[str, FileState] = {}
        # dependency key → the unit that depends on it, a tuple of the few, or a set of the many
        self.dependents: dict[str, Unit | tuple[Unit, ...] | set[Unit]] = {}
        self.run_cache: dict = {}
        self.generation = 0  # counts changes: answers computed for one state are kept per generation
        # counts changes other files can see (a name defined or used, a use line): what one file
        # shows of the others (reference counts, generated columns) may have changed
        self.names_generation = 0
        self._navigator = None
        from ..check.facts import FactStore
        self.facts = FactStore()  # workspace-wide facts, kept across check runs
        # (generation, the dependency keys that change made stale), the last CHANGE_LOG: what
        # a consumer that keeps answers by the keys they read (the diagram model) re-reads.
        self.change_log: list[tuple[int, frozenset[str]]] = []
        self._log_floor = 0  # no keys are known for changes up to this generation
        # Units an update left to check (`defer=True`, the language server's way: it checks
        # them a slice at a time, answering requests in between, see check_some): id → unit,
        # and the order they came in. Their diagnostics are stale until then.
        self.unchecked: dict[int, Unit] = {}
        self._unchecked_order: deque[Unit] = deque()

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def open(cls, root, use_cache: bool = True, config: Config | None = None, paths: list[str] | None = None,
             progress=None) -> "Workspace":
        """Load and check every file of a workspace. `progress(phase, done, total)`, when given,
        is told how far the load is (phases: parsing, checking)."""
        root = Path(root).resolve()
        if config is None:
            found = find_root(root)
            config = load_config(found.path, found.config_file)
        ws = cls(config.root, config)
        # Loading allocates millions of long-lived nodes: the cyclic GC would rescan them over
        # and over (measured: 3.8 s → 2.4 s for 2,000 tables without it). Then freeze
        # what is loaded so later collections skip it. A load makes no cyclic garbage to
        # freeze with it (a full collection after it frees nothing; the parse's error path
        # did: tests/syntax/test_linear_time.py, test_a_parse_that_stops_leaves_no_garbage_cycles).
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            sources = [(os.path.abspath(p), *read_source(p)) for p in (paths if paths is not None else discover(root, config))]
            if progress is not None:
                progress("parsing", 0, len(sources))
            while sources:
                parsed = parse_files([text for _, text, _ in sources])
                for (path, text, problem), pf in zip(sources, parsed):
                    ws._load(path, text, problem, pf)
                ws._resolve_all()
                # A `use` may name a file outside the root (or outside `paths`): load it too,
                # and what it names in turn, so that what it exports is known.
                sources = [(t, *ws._read_outside(t)) for t in ws._unloaded_targets()]
                sources = [s for s in sources if s[1] is not None]
            ws.check_all(progress)
        finally:
            if was_enabled:
                gc.enable()
                gc.freeze()
        return ws

    def _model(self, path: str, text: str, previous: FileModel | None = None, parsed=None) -> FileModel:
        """Parse a file (or take its parse from a parallel load); with its previous model, only
        the chunks an edit touched are parsed again (the previous model's syntax is consumed)."""
        if parsed is None:
            parsed = parse_text(text, previous=previous.parsed if previous is not None else None)
        return FileModel(path, parsed, path.endswith(".dbml"))

    def _load(self, path: str, text: str, problem=None, parsed=None) -> None:
        fm = self._model(path, text, parsed=parsed)
        self.files[path] = FileState(path, fm, problem)
        self.index.add(fm)

    def _exists(self, p: str) -> bool:
        return p in self.files or os.path.isfile(p)

    def _unloaded_targets(self) -> list[str]:
        """Files that `use` lines name and the workspace has not loaded (nor failed to read)."""
        out: dict[str, None] = {}
        for st in self.files.values():
            for imp in st.model.imports:
                t = imp.target
                if t is not None and t not in self.files and t not in self.index.unreadable:
                    out[t] = None
        return list(out)

    def _read_outside(self, path: str):
        """The text of a file a `use` names, or (None, None) when it cannot be read (the reason
        is kept in `Index.unreadable`, for DBMT111 to say)."""
        try:
            return read_source(path)
        except OSError as e:
            self.index.unreadable[path] = e.strerror or str(e)
            return None, None

    def _resolve_all(self) -> None:
        for st in self.files.values():
            st.model.resolve_imports(self._exists)

    # -- checking ---------------------------------------------------------------------------
    def check_all(self, progress=None) -> None:
        self.run_cache = {}
        self.forget_unchecked()  # all are checked now
        total = len(self.files)
        method = parallel.start_method()
        if method == "fork" and sum(len(st.model.parsed.text) for st in self.files.values()) >= CHECK_PARALLEL_MIN_CHARS:
            if progress is not None:
                progress("checking", 0, total)
            units = [u for st in self.files.values() for u in self._assign_units(st)]
            self._check_in_parallel(units)
        else:
            for i, st in enumerate(self.files.values()):
                if progress is not None:
                    progress("checking", i, total)
                self._assign_units(st)
                self._check_units(st.units.values())
        # The memos of one check run are read by that run only (the next one starts afresh):
        # kept, they were ~200,000 entries and their dependency sets at 20,000 tables.
        self.run_cache = {}
        self.generation += 1
        self.names_generation += 1
        self.change_log = []
        self._log_floor = self.generation

    def changed_since(self, generation: int) -> set[str] | None:
        """Every dependency key made stale by the changes after `generation` (the keys units are
        re-checked by, expanded as `_recheck` expands them), or None when they are not all
        known any more (too long ago, or a whole re-check since): then read everything again."""
        if generation < self._log_floor or (self.change_log and self.change_log[0][0] > generation + 1):
            return None
        if not self.change_log and generation != self.generation:
            return None
        out: set[str] = set()
        for g, keys in self.change_log:
            if g > generation:
                out |= keys
        return out

    def _assign_units(self, st: FileState, reuse: dict[int, Unit] | None = None) -> list[Unit]:
        """One unit per chunk of the file (taken over from `reuse` when its chunk was kept by
        the re-parse); returns the new units, which have yet to be checked."""
        fresh = []
        units: dict[int, Unit] = {}
        if st.decode_problem is not None:
            units[0] = u = Unit(st.path, None)
            fresh.append(u)
        for chunk in st.model.parsed.chunks:
            u = reuse.pop(id(chunk), None) if reuse else None
            if u is None:
                u = Unit(st.path, chunk)
                fresh.append(u)
            units[id(chunk)] = u
        st.units = units
        st._diagnostics = None
        return fresh

    def _forget_units(self, units) -> None:
        for u in units:
            for key in u.deps:
                s = self.dependents.get(key)
                if s is u:
                    del self.dependents[key]
                elif type(s) is tuple:
                    if u in s:
                        rest = tuple([x for x in s if x is not u])
                        self.dependents[key] = rest if len(rest) > 1 else rest[0]
                elif s is not None and type(s) is not Unit:
                    s.discard(u)

    def dependents_of(self, key: str):
        """The units that depend on a key."""
        cur = self.dependents.get(key)
        if cur is None:
            return ()
        return (cur,) if type(cur) is Unit else cur

    def _check_units(self, units) -> None:
        for u in units:
            self._forget_units((u,))
            self._record(u, *self._rules_on(u))

    def _rules_on(self, u: Unit) -> tuple[list[Diagnostic], set[str]]:
        from ..check import decode_diagnostic, run_rules  # the rule modules import the index

        st = self.files[u.path]
        if u.chunk is None:
            return decode_diagnostic(self.config, st.path, st.decode_problem), set()
        return run_rules(self.index, st.model, self.config, self.run_cache, None, self.facts, u.chunk)

    def _check_in_parallel(self, units: list[Unit]) -> None:
        """A cold check of many units on two cores: a forked worker, which has the whole loaded
        workspace, checks units from the front of the list and sends their diagnostics and
        dependency keys back; this process checks from the back (parallel.share). Each unit's
        result is what the serial check gives: the rules read the workspace, never the order of
        the units; a check run's memos only save work. What a worker computes that outlives the
        run is sent with its units: the names each shared value was computed from (FactStore.
        forward). Facts it computed are not: this process computes them when first read. A list
        of related places many diagnostics share (DBMT105's) arrives once per batch, not once."""
        from ..check import load_rules

        load_rules()  # imported before the fork, not by both processes
        self._forget_units(units)
        facts = self.facts

        def in_worker(i: int):
            facts.journal = []
            diags, deps = self._rules_on(units[i])
            return diags, tuple(deps), facts.journal

        def rebuild(data: bytes, results: list) -> None:
            for i, diags, deps, forwards in pickle.loads(data):
                for dep, names in forwards:
                    facts.forward(dep, names)
                results[i] = (diags, deps)

        batch = max(8, min(CHECK_BATCH_UNITS, len(units) // 32))
        results = parallel.share("fork", _check_work, (in_worker, batch), len(units),
                                 lambda i: self._rules_on(units[i]), rebuild)
        for u, (diags, deps) in zip(units, results):
            self._record(u, diags, deps)

    def _record(self, u: Unit, diags, deps) -> None:
        """A unit's diagnostics and dependency keys, filed (the dependents map)."""
        u.diagnostics = diags or ()
        # One copy of each key (`scope:<path>` is in every unit's set), as a tuple: the
        # keys are only iterated later, and a set of a dozen keys is five times a tuple's
        # size (35 MB of sets at 20,000 tables).
        u.deps = deps = tuple([sys.intern(k) for k in deps])
        dependents = self.dependents
        for key in deps:
            # Most keys have one dependent unit, many a few: that unit itself, then a tuple
            # of up to SMALL_DEPENDENTS, then a set (an empty set is 216 bytes, one of five
            # 728; the tuple of five, 80).
            cur = dependents.get(key)
            if cur is None:
                dependents[key] = u
            elif type(cur) is Unit:
                if cur is not u:
                    dependents[key] = (cur, u)
            elif type(cur) is tuple:
                if u not in cur:
                    dependents[key] = cur + (u,) if len(cur) < SMALL_DEPENDENTS else {*cur, u}
            else:
                cur.add(u)
        u.points_into = {r.path for d in diags for r in d.related} or _NO_KEYS
        self.files[u.path]._diagnostics = None

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
    def update_file(self, path: str, text: str, decode_problem=None, defer: bool = False) -> set[str]:
        """Replace one file's text (or add a file); returns the paths whose diagnostics were
        recomputed (with `defer`: are to be, once check_some has checked every unit left).
        `decode_problem` as `files.read_source` gives it, for a text read from disk."""
        path = os.path.abspath(path)
        self.generation += 1
        old = self.files.get(path)
        old_text = old.model.parsed.text if old is not None else None
        old_sigs = old.model.signatures if old else {}
        old_has_use = old.model.has_use if old else None
        if old is not None:
            self.index.remove(path, keep_slot=True)
        # The re-parse keeps some chunks (moving those after the edit): note where they were.
        before = [(c, c.start, c.end) for c in old.model.parsed.chunks] if old is not None else []
        fm = self._model(path, text, old.model if old is not None else None)
        fm.resolve_imports(self._exists)
        st = FileState(path, fm, decode_problem)
        self.files[path] = st
        self.index.add(fm)
        old_units = dict(old.units) if old is not None else {}
        to_check = self._assign_units(st, old_units)
        self._forget_units(old_units.values())  # what is left: units whose chunks were replaced
        # Diagnostics point into this file (its own and other files'): places in a kept chunk
        # move with it; a unit with a place anywhere else is re-checked.
        if old_text is not None and old_text != text:
            now = {id(c) for c in fm.parsed.chunks}
            kept_chunks = sorted((s, e, c.start - s) for c, s, e in before if id(c) in now)
            to_check.extend(self._relocate(path, kept_chunks))
        changed = {k for k in set(old_sigs) | set(fm.signatures) if old_sigs.get(k) != fm.signatures.get(k)}
        if old_has_use != fm.has_use:
            changed.add("nouse:*")
        if changed:
            self.names_generation += 1
        if f"uses:{path}" in changed:
            changed.add(f"scope:{path}")
        if old is None:
            # A new file can satisfy imports of files that named it before it existed.
            for other in self.files.values():
                if other.path != path and any(i.target is None for i in other.model.imports):
                    other.model.resolve_imports(self._exists)
                    changed.add(f"scope:{other.path}")
        diffs = {path: _export_diff(old.model, fm)} if old is not None and f"exports:{path}" in changed else {}
        touched = self._recheck(changed, to_check, diffs, defer)
        # A `use` line may now name a file outside what is loaded: load it (Workspace.open).
        for t in self._unloaded_targets():
            text, _problem = self._read_outside(t)
            if text is not None:
                touched |= self.update_file(t, text, defer=defer)
        return touched

    def _relocate(self, path: str, kept: list[tuple[int, int, int]]) -> list[Unit]:
        """Move the places diagnostics have in `path` after a re-parse that kept the chunks
        `kept` ((old start, old end, shift), in order); returns the units with a place outside
        them. Text outside the edit can change meaning (a `}` typed above it), so only a kept
        chunk is known to mean what it meant."""
        starts = [k[0] for k in kept]

        def move(a: int, b: int):
            i = bisect.bisect_right(starts, a) - 1
            if i >= 0 and b <= kept[i][1]:
                d = kept[i][2]
                return a + d, b + d
            return None

        # A list of related places many diagnostics share (DBMT105's k definitions of a name)
        # is moved once: id → (it, it moved, whether a place of it fell outside the kept
        # chunks). Lists are never changed in place (Capped): one with nothing to move stays.
        moved: dict[int, tuple[list, list, bool]] = {}

        def move_related(rel: list) -> tuple[list, bool]:
            got = moved.get(id(rel))
            if got is not None and got[0] is rel:
                return got[1], got[2]
            out = None
            outside = False
            for i, r in enumerate(rel):
                if r.path != path:
                    continue
                m = move(r.start, r.end)
                if m is None:
                    outside = True
                elif m[0] != r.start or m[1] != r.end:
                    if out is None:
                        out = type(rel)(rel)
                    out[i] = Related(r.path, m[0], m[1], r.message)
            new = rel if out is None else out
            moved[id(rel)] = (rel, new, outside)
            return new, outside

        hit: list[Unit] = []
        for st in self.files.values():
            for u in st.units.values():
                own = st.path == path and u.chunk is not None
                points = path in u.points_into
                if not own and not points:
                    continue
                overlaps = False
                for d in u.diagnostics:
                    if own:
                        got = move(d.start, d.end)
                        if got is None:
                            overlaps = True
                        else:
                            d.start, d.end = got
                    if points and d.related:
                        d.related, outside = move_related(d.related)
                        if outside:
                            overlaps = True
                if overlaps:
                    hit.append(u)
                st._diagnostics = None
        return hit

    def remove_file(self, path: str, defer: bool = False) -> set[str]:
        path = os.path.abspath(path)
        old = self.files.pop(path, None)
        if old is None:
            return set()
        self.generation += 1
        self.names_generation += 1
        self.index.remove(path)
        self.facts.forget(path)
        self._forget_units(old.units.values())
        changed = set(old.model.signatures) | {"nouse:*"}
        for other in self.files.values():
            if any(i.target == path for i in other.model.imports):
                other.model.resolve_imports(self._exists)
                changed.add(f"scope:{other.path}")
        return self._recheck(changed, [], None, defer)

    def _recheck(self, changed: set[str], units: list[Unit], export_diffs: dict | None = None,
                 defer: bool = False) -> set[str]:
        """Check `units` and every unit that depends on a changed key (with `defer`, leave them
        to check_some); returns their files. `export_diffs`: file → the (kind, key) names whose
        definitions it exports came or went (None: not known), for files whose `exports:` key
        is in `changed`."""
        todo = [k for k in changed if k.startswith("exports:")]
        while todo:
            # Files importing this one see a different set of names, and so does every lookup
            # made from their point of view (`scope:<file>`); a file that re-exports it
            # (`reuse`) offers different names in turn. An import that names one thing (`use {
            # table x }`) sees something else only when x came or went: a table added beside it
            # changes nothing in the importer (its own key, in `changed`, reaches the lookups
            # that missed it).
            target = todo.pop().split(":", 1)[1]
            diff = (export_diffs or {}).get(target)
            for other in self.files.values():
                for i in other.model.imports:
                    if i.target != target:
                        continue
                    if diff is not None and i.kind not in (None, "schema") and (i.kind, i.key) not in diff:
                        continue
                    changed.add(f"scope:{other.path}")
                    if i.reexport and f"exports:{other.path}" not in changed:
                        changed.add(f"exports:{other.path}")
                        todo.append(f"exports:{other.path}")
            changed.add("names:*")  # "did you mean" suggestions draw on every name
        for key in list(changed):
            if key.startswith("scope:"):
                # What that file's Refs, groups and marks name may now be another table.
                st = self.files.get(key.split(":", 1)[1])
                if st is not None:
                    changed.update(k for k in st.model.signatures if k.startswith(SCOPED_KEYS))
        self.facts.expand(changed)  # values shared by many units (Ctx.shared)
        self.change_log.append((self.generation, frozenset(changed)))
        if len(self.change_log) > CHANGE_LOG:
            del self.change_log[0]
        affected = {id(u): u for u in units}
        for key in changed:
            for u in self.dependents_of(key):
                affected[id(u)] = u
        live = [u for u in affected.values()
                if u.path in self.files and self.files[u.path].units.get(id(u.chunk) if u.chunk is not None else 0) is u]
        self.facts.invalidate(changed)
        # A check run's memos hold for one state of the workspace: a unit left unchecked by an
        # earlier update is checked against this one (a unit checked before it that read a
        # changed name is among `live` again: its keys say so).
        self.run_cache = {}
        if defer:
            for u in live:
                if id(u) not in self.unchecked:
                    self.unchecked[id(u)] = u
                    self._unchecked_order.append(u)
            return {u.path for u in live}
        for u in live:
            self.unchecked.pop(id(u), None)
        self._check_units(live)
        self.run_cache = {}
        return {u.path for u in live}

    def forget_unchecked(self) -> None:
        """Leave the units updates left unchecked as they are (their diagnostics stale)."""
        self.unchecked.clear()
        self._unchecked_order.clear()

    def check_some(self, max_units: int) -> bool:
        """Check up to `max_units` of the units updates left unchecked (`defer`), oldest first;
        True when none is left. The result is the same however the units are sliced and
        whatever updates come between slices: each unit is checked against the workspace as it
        is, and an update makes every unit that read what it changed unchecked again."""
        order, pending, files = self._unchecked_order, self.unchecked, self.files
        batch: list[Unit] = []
        while order:
            u = order[0]
            if id(u) in pending:
                st = files.get(u.path)
                if st is not None and st.units.get(id(u.chunk) if u.chunk is not None else 0) is u:
                    if len(batch) == max_units:
                        break
                    batch.append(u)
                # else its file or its chunk is gone
                del pending[id(u)]
            # else checked since, by an update that did not defer
            order.popleft()
        self._check_units(batch)
        if pending:
            return False
        self.run_cache = {}
        return True

    # -- navigation ---------------------------------------------------------------------------
    def navigator(self):
        """Names → things for the current state (navigate.Navigator), made once per change."""
        nav = self._navigator
        if nav is None or nav.generation != self.generation:
            from ..navigate import Navigator
            nav = self._navigator = Navigator(self)
            nav.generation = self.generation
        return nav

    def definition_at(self, path: str, offset: int):
        from ..navigate import definition_at
        return definition_at(self, os.path.abspath(path), offset)

    def visible_names(self, path: str, offset: int):
        from ..navigate import visible_names
        return visible_names(self, os.path.abspath(path), offset)


def _check_work(conn, ends, in_worker, batch_units: int) -> None:
    """A forked worker of Workspace._check_in_parallel: claims units from the front and sends
    batches of (unit number, diagnostics, dependency keys, shared values' names), then _END."""
    gc.disable()  # like the load it helps: everything alive here is the workspace
    try:
        batch = []
        while (i := parallel._claim(ends, front=True)) is not None:
            batch.append((i, *in_worker(i)))
            if len(batch) >= batch_units:
                conn.send_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
                batch = []
        if batch:
            conn.send_bytes(pickle.dumps(batch, pickle.HIGHEST_PROTOCOL))
        conn.send_bytes(parallel._END)
    except OSError:
        pass  # the loading process stopped reading: it checks what was not sent
    finally:
        conn.close()
