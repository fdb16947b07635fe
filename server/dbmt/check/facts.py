"""Workspace-wide facts kept across check runs, one part per file, read by slice.

Some rules read facts that look backwards across the workspace: which Refs touch a table,
which groups list it, which tables claim an enum's variants, which relationships join two
tables. Computing them from every file on every check run would make each edit cost the whole
workspace. A `Facts` keeps one *part* per file: the items that file contributes, filed under
*slices* (a table, a group, an enum, an endpoint pair), each with the names resolved to find
them. A part is recomputed only when its file changed (a new FileModel) or a name it resolved
changed (`FactStore.invalidate`); a reader takes one slice and depends on exactly the names
behind it.
"""

from __future__ import annotations

import bisect


class Part:
    __slots__ = ("model", "slices", "deps", "_by_offset")

    def __init__(self, model, slices: dict, deps: set[str]):
        self.model = model      # the FileModel it was computed from
        self.slices = slices    # slice id → (items, deps)
        self.deps = deps        # every name any of its slices resolved
        self._by_offset = None

    def slices_between(self, offset_of, start: int, end: int) -> list:
        """The slices with an item whose offset (`offset_of(item)`) lies in [start, end), in
        offset order: what one unit of the file contributed (bisected, not scanned)."""
        if self._by_offset is None:
            self._by_offset = sorted((offset_of(item), i, sid) for i, (sid, (items, _d)) in enumerate(self.slices.items())
                                     if sid is not None for item in items)
        lo = bisect.bisect_left(self._by_offset, (start,))
        hi = bisect.bisect_left(self._by_offset, (end,))
        return list(dict.fromkeys(sid for _o, _i, sid in self._by_offset[lo:hi]))


class Facts:
    """One fact, as parts per file and an index by slice (slice → path → (items, deps))."""

    __slots__ = ("parts", "by_slice")

    def __init__(self):
        self.parts: dict[str, Part] = {}
        self.by_slice: dict = {}

    # by_slice: slice → (path, entry) while one file has items in it (most slices: a dict per
    # slice was 10 MB at 20,000 tables), then path → entry.
    def put(self, path: str, part: Part) -> None:
        self.drop(path)
        self.parts[path] = part
        by_slice = self.by_slice
        for sid, entry in part.slices.items():
            cur = by_slice.get(sid)
            if cur is None:
                by_slice[sid] = (path, entry)
            elif type(cur) is tuple:
                by_slice[sid] = {cur[0]: cur[1], path: entry}
            else:
                cur[path] = entry

    def drop(self, path: str) -> None:
        part = self.parts.pop(path, None)
        if part is None:
            return
        by_slice = self.by_slice
        for sid in part.slices:
            cur = by_slice.get(sid)
            if cur is None:
                continue
            if type(cur) is tuple:
                if cur[0] == path:
                    del by_slice[sid]
            else:
                cur.pop(path, None)
                if len(cur) == 1:
                    by_slice[sid] = next(iter(cur.items()))
                elif not cur:
                    del by_slice[sid]

    def items(self, ctx, sid) -> list:
        """The items of one slice from every file, in path order; the reader depends on the names
        behind them."""
        cur = self.by_slice.get(sid)
        if not cur:
            return []
        if type(cur) is tuple:
            items, deps = cur[1]
            ctx.deps.update(deps)
            return list(items)
        out: list = []
        for path in sorted(cur):
            items, deps = cur[path]
            ctx.deps.update(deps)
            out.extend(items)
        return out


class FactStore:
    """Every Facts of a workspace, by key; lives as long as the workspace."""

    def __init__(self):
        self.facts: dict[tuple, Facts] = {}
        # Ctx.shared: a name → the shared values computed from it (`shared:<key>`), and back.
        self.forwards: dict[str, set[str]] = {}
        self._forwarded: dict[str, set[str]] = {}
        # A parallel check's worker lists its forward() calls here, to be replayed in the
        # process that keeps the workspace (Workspace._check_in_parallel).
        self.journal: list | None = None

    def forward(self, dep: str, names: set[str]) -> None:
        """`dep` (a shared value) was computed from `names`: a change to one changes it."""
        if self.journal is not None:
            self.journal.append((dep, names))
        for name in self._forwarded.pop(dep, ()):
            targets = self.forwards.get(name)
            if targets is not None:
                targets.discard(dep)
                if not targets:
                    del self.forwards[name]
        self._forwarded[dep] = names
        for name in names:
            self.forwards.setdefault(name, set()).add(dep)

    def expand(self, changed: set[str]) -> None:
        """Add to `changed` every shared value computed from a changed name (transitively)."""
        todo = [k for k in changed if k in self.forwards]
        while todo:
            for dep in self.forwards.get(todo.pop(), ()):
                if dep not in changed:
                    changed.add(dep)
                    todo.append(dep)

    def get(self, key: tuple) -> Facts:
        f = self.facts.get(key)
        if f is None:
            f = self.facts[key] = Facts()
        return f

    def invalidate(self, changed: set[str]) -> None:
        """Drop the parts that resolved a name whose definition changed."""
        if not changed:
            return
        for f in self.facts.values():
            stale = [p for p, part in f.parts.items() if not part.deps.isdisjoint(changed)]
            for p in stale:
                f.drop(p)

    def forget(self, path: str) -> None:
        for f in self.facts.values():
            f.drop(path)


def refresh(ctx, key: tuple, part_fn) -> Facts:
    """The fact `key` with every file's part up to date (once per check run).

    `part_fn(path, model, add)` computes one file's part, calling `add(slice, item, deps)` for
    each item (`item` None: only dependencies; slice None: dependencies of nothing any reader
    sees, e.g. a name that failed to resolve, which must still recompute the part when it
    appears). Names it resolves are recorded through `add`, never for the file that happens
    to run it."""
    got = ctx.cache.get(("facts",) + key)
    if got is not None:
        return got
    f = ctx.store.get(key)
    files = ctx.index.files
    for path in [p for p in f.parts if p not in files]:
        f.drop(path)
    for path, model in files.items():
        part = f.parts.get(path)
        if part is not None and part.model is model:
            continue
        slices: dict = {}
        every: set[str] = set()

        def add(sid, item=None, deps=()) -> None:
            entry = slices.get(sid)
            if entry is None:
                entry = slices[sid] = ([], set())
            if item is not None:
                entry[0].append(item)
            if deps:
                entry[1].update(deps)
                every.update(deps)

        outer, recording = ctx.deps, ctx.index.recording
        ctx.deps, ctx.index.recording = set(), None
        try:
            part_fn(path, model, add)
        finally:
            ctx.deps, ctx.index.recording = outer, recording
        # Kept until the file changes, so kept small: a slice's items and names as tuples (read
        # only from here on; a set of a few names is three to five times the tuple).
        f.put(path, Part(model, {sid: (tuple(items), tuple(deps)) for sid, (items, deps) in slices.items()}, every))
    ctx.cache[("facts",) + key] = f
    return f
