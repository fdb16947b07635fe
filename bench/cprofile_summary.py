#!/usr/bin/env python3
"""Where a cold check spends its time: cProfile of `Workspace.open` + `all_diagnostics`, summed by
area (the LALR driver, interpretation, chunk splitting, rules, the workspace index …).

    .venv/bin/python bench/cprofile_summary.py [WORKSPACE] [--top N] [--parallel]

WORKSPACE defaults to bench/out/ws-t2000-f1-s1-single (the 2 MB single file; run bench/run.py
once to generate it). The parse runs in this process unless --parallel (a worker's time is
invisible to the profiler). Self time per function is attributed to the area of its module;
C functions (regex scanning, list appends …) to the area of their caller. Under the profiler
everything runs ~2x slower; the shares are what count. Times are CPU seconds (process_time).
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent

AREAS = [  # (module path fragment, area), first match wins
    ("dbmt/syntax/generic.py", "LALR driver and reductions (syntax/generic.py)"),
    ("dbmt/syntax/interpret.py", "interpretation (syntax/interpret.py)"),
    ("dbmt/syntax/nodes.py", "interpretation (syntax/interpret.py)"),
    ("dbmt/syntax/blocks.py", "chunk splitting (syntax/blocks.py)"),
    ("dbmt/syntax/parallel.py", "parallel transfer (syntax/parallel.py)"),
    ("dbmt/syntax/", "syntax, other"),
    ("dbmt/check/", "rules (check/)"),
    ("dbmt/workspace/", "workspace index and units (workspace/)"),
    ("dbmt/", "dbmt, other"),
]


def area_of(filename: str) -> str | None:
    for frag, name in AREAS:
        if frag in filename.replace("\\", "/"):
            return name
    return None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workspace", nargs="?", default=str(BENCH / "out" / "ws-t2000-f1-s1-single"))
    ap.add_argument("--top", type=int, default=15, help="functions listed by self time (default 15)")
    ap.add_argument("--parallel", action="store_true", help="let the load use its worker process")
    args = ap.parse_args(argv)
    from dbmt.syntax import parallel
    from dbmt.workspace import Workspace

    if not args.parallel:
        parallel.start_method = lambda: None
    # CPU time, not wall time: on a shared machine a wall-clock profile charges other
    # processes' time to whichever function was running.
    prof = cProfile.Profile(time.process_time)
    t0, c0 = time.perf_counter(), time.process_time()
    prof.enable()
    ws = Workspace.open(args.workspace, use_cache=False)
    n_diags = sum(map(len, ws.all_diagnostics().values()))
    prof.disable()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    gc.disable()
    st = pstats.Stats(prof)
    by_area: dict[str, float] = {}
    total = 0.0
    for (filename, _line, _fn), (_cc, _nc, tt, _ct, callers) in st.stats.items():
        total += tt
        area = area_of(filename)
        if area is None:  # a C function or the standard library: its callers' area, by share
            calls = sum(c[3] for c in callers.values()) or 1.0
            for (cf, _cl, _cn), c in callers.items():
                a = area_of(cf) or "Python and the standard library"
                by_area[a] = by_area.get(a, 0.0) + tt * (c[3] / calls)
            if not callers:
                by_area["Python and the standard library"] = by_area.get("Python and the standard library", 0.0) + tt
            continue
        by_area[area] = by_area.get(area, 0.0) + tt
    print(f"{args.workspace}: {len(ws.files)} files, {n_diags} diagnostics; "
          f"{wall:.2f} s wall, {cpu:.2f} s CPU under the profiler\n")
    print("| area | self time (s) | share |\n|---|---:|---:|")
    for area, tt in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"| {area} | {tt:.2f} | {100 * tt / total:.0f} % |")
    print(f"\nTop {args.top} functions by self time:\n")
    st.sort_stats("tottime").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
