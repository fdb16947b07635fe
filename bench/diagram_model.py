"""The diagram model's cost (`dbmt/diagram`, export/diagram.py) as a share of a cold check of the
same workspace, at 200 and 2,000 tables (bench/generate.py's workspaces, cached in bench/out/ like
run.py's). Side by side in one process, alternating (cold check, model, cold check, model …),
medians: the machine is shared, so the ratio is the result, not the milliseconds.

- cold check: `Workspace.open` without the result cache (parse, index, every rule);
- model: what the server does once per change of the workspace: `build` (the expansion's reading
  of the workspace, groups, access, families, views), `materialize` (ranges and URIs: the JSON of
  the whole model, which filtered requests then select from) and its comparison with the model
  before (`share`: what `revision` and deltas are decided by);
- after an edit: `update_file` adding a table to one team file, then the model again (the
  server's work between the debounce and `dbmt/diagramChanged`; the client's request then finds
  the model built), once built from nothing and once kept across the edit as the server keeps
  it (BuildCache; checked equal to one built afresh).

    .venv/bin/python bench/diagram_model.py [--runs 5]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent / "server"))

from dbmt.export import diagram as D  # noqa: E402
from dbmt.workspace import Workspace  # noqa: E402


def _run_module():
    spec = importlib.util.spec_from_file_location("dbmt_bench_run", BENCH / "run.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["dbmt_bench_run"] = mod
    spec.loader.exec_module(mod)
    return mod


def timed(fn):
    gc.collect()
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def model_cost(ws, before=None, cache=None, memo=None):
    """As the server does it (lsp/features/diagram.py): the collector off, then build,
    materialize and compare with the model before (`share`, which also makes unchanged tables
    the objects of the model before). With `cache` and `memo`, the model is kept across edits as
    the server keeps it (BuildCache: tables re-read only when something they read changed; their
    JSON reused); without them, built from nothing. Ranges are converted afresh (the server also
    remembers them per file text)."""
    was = gc.isenabled()
    gc.disable()
    try:
        m = D.build(ws, cache)
        span = D.utf16_spans(ws)
        data = D.materialize(m, span, D.file_uri, memo)
        D.share(before, data)
    finally:
        if was:
            gc.enable()
    return data


def measure(root: Path, runs: int) -> dict:
    cold, model, edit, kept = [], [], [], []
    counts = None
    team_file = sorted(root.rglob("*.dbmt"))[0]
    for i in range(runs):
        t, ws = timed(lambda: Workspace.open(root, use_cache=False))
        cold.append(t)
        cache, memo = D.BuildCache(), {}
        t, data = timed(lambda: model_cost(ws, None, cache, memo))
        model.append(t)
        counts = (len(data["tables"]), len(data["edges"]), len(data["files"]))
        path = str(team_file.resolve())
        text = ws.text_of(path) or team_file.read_text(encoding="utf-8")
        # Alternating: an edit with the model built afresh, then one with the model kept.
        for k, (bucket, keep) in enumerate(((edit, False), (kept, True))):
            text = text + f"\nTable BenchDiagramExtra{i}_{k} {{\n  id int [pk]\n}}\n"

            def after_edit():
                ws.update_file(path, text)
                return model_cost(ws, data, cache if keep else None, memo if keep else None)

            t, data2 = timed(after_edit)
            assert len(data2["tables"]) == counts[0] + k + 1
            if keep:
                assert data2 == model_cost(ws), "the kept model differs from one built afresh"
            bucket.append(t)
            data = data2
    return {"cold": statistics.median(cold), "model": statistics.median(model), "edit": statistics.median(edit),
            "kept": statistics.median(kept), "counts": counts}


def ms(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 10 else f"{s:.1f} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    run = _run_module()
    rows = []
    for tables, files in ((200, 20), (2000, 200)):
        root = run.workspace(tables, files).resolve()
        r = measure(root, args.runs)
        rows.append((tables, files, r))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(run.machine_line())
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs; {args.runs} runs, medians\n")
    print("| workspace | tables / edges drawn | cold check | model (build + JSON + comparison) | model / cold check | "
          "edit + model built afresh | edit + model kept (as the server) | kept / cold check |")
    print("|---|---|---|---|---|---|---|---|")
    for tables, files, r in rows:
        t, e, _f = r["counts"]
        print(f"| {tables:,} tables, {files} files | {t:,} / {e:,} | {ms(r['cold'])} | {ms(r['model'])} | "
              f"{r['model'] / r['cold']:.2f} | {ms(r['edit'])} | {ms(r['kept'])} | {r['kept'] / r['cold']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
