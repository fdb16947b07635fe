#!/usr/bin/env python3
"""The live diagram's update time: from an edit to a laid-out diagram, at 200 and 2,000 tables.

    .venv/bin/python bench/diagram_bench.py [--edits N] [--only 200,2000]

Through the real server and the real layout code, without an editor: a pygls client talks to
`dbmt-lsp` over stdio (diagnostics' debounce 0, as bench/lsp_bench.py), asks `dbmt/diagram` once
(which subscribes it to `dbmt/diagramChanged`), then for each edit — a table added at the end of
the busiest file, referring to one of its tables — times

    edit sent → dbmt/diagramChanged received → dbmt/diagram answered → layout done

where the layout is editors/diagram/layout.mjs in a node process kept alive across edits
(bench/diagram_layout.mjs), with its per-file cache, as the webview keeps it. Not measured: the
webview's drawing (it draws only what is on screen) and VS Code's message passing. Each total is
also given as a share of a cold `--check --no-cache` of the same workspace in this run. Prints a
markdown table (also bench/out/diagram-last-run.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import lsp_bench  # noqa: E402
import run as harness  # noqa: E402

SIZES = {"200": (200, 20), "2000": (2000, 200)}


def plain(obj):
    """pygls hands a custom request's result over as namedtuples, renaming fields that are not
    identifiers to `_<position>`; in the model that is only an edge's "from"."""
    if hasattr(obj, "_asdict"):
        return {("from" if k.startswith("_") and k[1:].isdigit() else k): plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


class Layout:
    """The node process laying out models (one JSON line in, one out)."""

    def __init__(self):
        self.p = subprocess.Popen(["node", str(BENCH / "diagram_layout.mjs")], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True, cwd=ROOT)

    def run(self, model: dict) -> dict:
        self.p.stdin.write(json.dumps(model) + "\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line:
            (BENCH / "out").mkdir(exist_ok=True)
            (BENCH / "out" / "diagram-failed-model.json").write_text(json.dumps(model))
            raise RuntimeError("the layout process exited (its stderr above; the model in bench/out/diagram-failed-model.json)")
        return json.loads(line)

    def close(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


async def measure(name: str, root: Path, edits: int) -> dict:
    c = lsp_bench.Client()
    changed: list[tuple[int, float]] = []
    waiter: list[asyncio.Future] = []

    @c.lc.feature("dbmt/diagramChanged")
    def _changed(params):
        rev = params["revision"] if isinstance(params, dict) else params.revision
        changed.append((rev, time.perf_counter()))
        for w in waiter:
            if not w.done():
                w.set_result(time.perf_counter())
        waiter.clear()

    await c.lc.start_io(sys.executable, "-m", "dbmt", env=dict(os.environ))
    await c.lc.initialize_async(types.InitializeParams(
        capabilities=lsp_bench.capabilities(), root_uri=root.as_uri(), process_id=os.getpid(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options={"dbmt": {"debounce": 0}}))
    files = sorted(root.rglob("*.dbmt"))
    target = max(files, key=lambda p: p.stat().st_size)
    uri = target.as_uri()
    text = target.read_text(encoding="utf-8")
    c.lc.initialized(types.InitializedParams())
    c.lc.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="dbmt", version=1, text=text)))
    await asyncio.wait_for(c.wait_version(uri, 1), 600)
    await asyncio.wait_for(c.progress_end.wait(), 600)

    lay = Layout()
    t0 = time.perf_counter()
    model = plain(await c.lc.protocol.send_request_async("dbmt/diagram", {}))
    first_request = (time.perf_counter() - t0) * 1000
    first = lay.run(model)
    out = {"name": name, "tables": len(model["tables"]), "edges": len(model["edges"]),
           "first_request_ms": first_request, "first_layout_ms": first["ms"]}
    # A table the new ones refer to: the first table of the edited file.
    anchor = next(t for t in model["tables"] if t["uri"] == uri)
    pk = next((col["name"] for col in anchor["columns"] if col["pk"]), anchor["columns"][0]["name"])
    pk_type = next(col["type"] for col in anchor["columns"] if col["name"] == pk)
    anchor_name = anchor["name"]
    rows = []
    version = 1
    for i in range(edits):
        add = f"\nTable bench_diagram_probe_{i} {{\n  id int [pk]\n  ref_id {pk_type} [ref: > {anchor_name}.{pk}]\n}}\n"
        new = text + add
        a, b, ins = lsp_bench.changed_span(text, new)
        version += 1
        fut = asyncio.get_running_loop().create_future()
        waiter.append(fut)
        t_sent = time.perf_counter()
        c.lc.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=lsp_bench.position(text, a), end=lsp_bench.position(text, b)), text=ins)]))
        t_changed = await asyncio.wait_for(fut, 600)
        m = plain(await c.lc.protocol.send_request_async("dbmt/diagram", {}))
        t_model = time.perf_counter()
        done = lay.run(m)
        t_done = time.perf_counter()
        assert len(m["tables"]) == out["tables"] + i + 1, "the model lacks the added table"
        assert done["nodes"] == len(m["tables"])
        rows.append({"changed": (t_changed - t_sent) * 1000, "model": (t_model - t_changed) * 1000,
                     "layout": done["ms"], "total": (t_done - t_sent) * 1000})
        text = new
    lay.close()
    await c.lc.shutdown_async(None)
    c.lc.exit(None)
    await c.lc.stop()
    for k in ("changed", "model", "layout", "total"):
        xs = [r[k] for r in rows]
        out[k + "_p50"] = statistics.median(xs)
        out[k + "_p95"] = lsp_bench.pct(xs, 95)
    out["edits"] = len(rows)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--only", default="200,2000")
    a = ap.parse_args(argv)
    lines = []
    load = os.getloadavg()
    lines.append(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                 f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "
                 f"load average at start {load[0]:.1f}; {a.edits} edits per size; debounce 0.")
    lines.append("")
    lines.append("| workspace | edit → diagramChanged | → model received | layout (node) | edit → laid out (p50 / p95) | cold `--check` | share of cold |")
    lines.append("|---|---|---|---|---|---|---|")
    for key in a.only.split(","):
        tables, files = SIZES[key]
        root = harness.workspace(tables, files)
        cold = lsp_bench.cold_check(root, 3)
        r = asyncio.run(measure(key, root, a.edits))
        lines.append(
            f"| {r['tables']} tables, {r['edges']} edges, {files} files (first model {r['first_request_ms']:.0f} ms, first layout {r['first_layout_ms']:.0f} ms) "
            f"| {r['changed_p50']:.0f} ms | {r['model_p50']:.0f} ms | {r['layout_p50']:.0f} ms "
            f"| {r['total_p50']:.0f} / {r['total_p95']:.0f} ms | {cold:.0f} ms | {r['total_p50'] / cold:.2f} |")
        print(lines[-1], flush=True)
    load = os.getloadavg()
    lines.append("")
    lines.append(f"Load average at the end {load[0]:.1f}.")
    text = "\n".join(lines) + "\n"
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / "diagram-last-run.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
