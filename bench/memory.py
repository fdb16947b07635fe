#!/usr/bin/env python3
"""What a loaded workspace holds in memory (issue 10): a cold load and check (`Workspace.open`
without the result cache, then every file's diagnostics, as `--check` does), then

- tracemalloc's top N allocating lines of what is still alive,
- the live objects by type (what the cyclic GC tracks, plus the strings, ints and tuples they
  hold, each object counted once, `sys.getsizeof`),
- this process's peak and current RSS.

    .venv/bin/python bench/memory.py [WORKSPACE] [--top N] [--no-trace]

WORKSPACE defaults to bench/out/ws-t20000-f2000-s1 (20,000 tables; `bench/run.py` generates it,
or `python -c "import sys; sys.path.insert(0, 'bench'); import run; run.workspace(20000, 2000)"`).
The parse runs in this process (a worker's objects would be invisible), so the peak RSS is a
serial load's. `--no-trace` skips tracemalloc (it costs ~2x the time and its own bookkeeping
inflates the RSS): use it for the RSS figures, the default for the top lines.
"""
from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
import tracemalloc
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set of this process, MB."""
    cur = 0.0
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                cur = int(line.split()[1]) / 1024
    return cur, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def by_type(top: int) -> list[tuple[str, int, float]]:
    """Live objects by type name: (name, count, MB), biggest first."""
    seen: set[int] = set()
    count: dict[str, int] = {}
    size: dict[str, int] = {}

    def add(o) -> None:
        i = id(o)
        if i in seen:
            return
        seen.add(i)
        t = type(o).__name__
        count[t] = count.get(t, 0) + 1
        size[t] = size.get(t, 0) + sys.getsizeof(o)

    gc.unfreeze()  # Workspace.open froze what it loaded: get_objects skips frozen objects
    for o in gc.get_objects():
        add(o)
        for r in gc.get_referents(o):
            if isinstance(r, (str, int, float, bytes)) or (type(r) is tuple and not gc.is_tracked(r)):
                add(r)
    rows = sorted(((t, count[t], size[t] / 2**20) for t in count), key=lambda r: -r[2])
    return rows[:top]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workspace", nargs="?", default=str(BENCH / "out" / "ws-t20000-f2000-s1"))
    ap.add_argument("--top", type=int, default=5)
    ap.add_argument("--no-trace", action="store_true", help="no tracemalloc: RSS figures only")
    args = ap.parse_args(argv)

    from dbmt.syntax import parallel
    from dbmt.workspace import Workspace

    parallel.start_method = lambda: None  # parse in this process
    base, _ = rss_mb()
    if not args.no_trace:
        tracemalloc.start(1)
    t0 = time.perf_counter()
    ws = Workspace.open(args.workspace, use_cache=False)
    n_diags = sum(map(len, ws.all_diagnostics().values()))
    secs = time.perf_counter() - t0
    gc.collect()
    cur, peak = rss_mb()
    tables = sum(len(v) for k, v in ws.index.defs.get("table", {}).items())
    print(f"{args.workspace}: {len(ws.files)} files, {tables} table definitions, {n_diags} diagnostics, "
          f"loaded in {secs:.1f} s{' under tracemalloc' if not args.no_trace else ''}")
    print(f"RSS after the load: {cur:.0f} MB (the interpreter and imports before it: {base:.0f} MB); "
          f"peak RSS {peak:.0f} MB")
    if not args.no_trace:
        snap = tracemalloc.take_snapshot()
        traced = sum(s.size for s in snap.statistics("filename")) / 2**20
        print(f"\ntracemalloc: {traced:.1f} MB alive after the load. Top {args.top} allocating lines:\n")
        print("| # | MB | blocks | line |\n|---:|---:|---:|---|")
        for i, st in enumerate(snap.statistics("lineno")[:args.top], 1):
            fr = st.traceback[0]
            name = fr.filename
            for marker in ("/dbmt/", "/site-packages/", "/lib/python"):
                if marker in name:
                    name = name[name.index(marker) + 1:]
                    break
            line = ""
            try:
                import linecache
                line = linecache.getline(fr.filename, fr.lineno).strip()
            except Exception:
                pass
            print(f"| {i} | {st.size / 2**20:.1f} | {st.count:,} | `{name}:{fr.lineno}` {line[:90]} |")
        del snap
        tracemalloc.stop()
    print(f"\nLive objects by type (top {args.top}):\n")
    print("| type | objects | MB |\n|---|---:|---:|")
    for t, c, mb in by_type(args.top):
        print(f"| {t} | {c:,} | {mb:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
