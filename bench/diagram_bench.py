#!/usr/bin/env python3
"""The live diagram's update time: from an edit to a laid-out diagram, at 200 and 2,000 tables.

    .venv/bin/python bench/diagram_bench.py [--edits N] [--only 200,2000] [--modes whole,delta]

Through the real server and the real layout code, without an editor: a small JSON-RPC client
talks to `dbmt-lsp` over stdio (diagnostics' debounce 0, as bench/lsp_bench.py), asks `dbmt/diagram` once
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


BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import lsp_bench  # noqa: E402
import run as harness  # noqa: E402

SIZES = {"200": (200, 20), "2000": (2000, 200)}


class Client:
    """A minimal JSON-RPC client over the server's stdio (Content-Length framing, json.loads):
    what an editor does with a response, so a 1 MB model costs its parse and nothing more
    (pygls's client turns every JSON object into a namedtuple, seconds at this size)."""

    def __init__(self):
        self.next_id = 0
        self.pending: dict[int, asyncio.Future] = {}
        self.published: dict[str, int] = {}
        self.version_waiters: list[tuple[str, int, asyncio.Future]] = []
        self.progress_end = asyncio.Event()
        self.changed: list[asyncio.Future] = []

    async def start(self):
        self.p = await asyncio.create_subprocess_exec(sys.executable, "-m", "dbmt", stdin=asyncio.subprocess.PIPE,
                                                      stdout=asyncio.subprocess.PIPE, env=dict(os.environ))
        self.reader = asyncio.get_running_loop().create_task(self._read())

    def _send(self, msg: dict):
        body = json.dumps(msg).encode()
        self.p.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def _read(self):
        while True:
            length = 0
            while True:
                line = await self.p.stdout.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            msg = json.loads(await self.p.stdout.readexactly(length))
            now = time.perf_counter()
            if "id" in msg and "method" not in msg:
                fut = self.pending.pop(msg["id"], None)
                if fut and not fut.done():
                    if "error" in msg:
                        fut.set_exception(RuntimeError(str(msg["error"])))
                    else:
                        fut.set_result((msg.get("result"), now))
            elif "id" in msg:  # a request of the server's
                m = msg["method"]
                result = [None for _ in msg["params"]["items"]] if m == "workspace/configuration" else None
                self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            else:
                m, params = msg["method"], msg.get("params") or {}
                if m == "textDocument/publishDiagnostics":
                    v = params.get("version") or 0
                    self.published[params["uri"]] = v
                    for w in list(self.version_waiters):
                        if w[0] == params["uri"] and v >= w[1] and not w[2].done():
                            w[2].set_result(now)
                            self.version_waiters.remove(w)
                elif m == "$/progress" and (params.get("value") or {}).get("kind") == "end":
                    self.progress_end.set()
                elif m == "dbmt/diagramChanged":
                    for f in self.changed:
                        if not f.done():
                            f.set_result(now)
                    self.changed.clear()

    async def request(self, method: str, params) -> tuple[object, float]:
        self.next_id += 1
        fut = asyncio.get_running_loop().create_future()
        self.pending[self.next_id] = fut
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        return await asyncio.wait_for(fut, 900)

    def notify(self, method: str, params):
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait_version(self, uri: str, version: int) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.version_waiters.append((uri, version, fut))
        return fut

    def wait_changed(self) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.changed.append(fut)
        return fut

    async def stop(self):
        await self.request("shutdown", None)
        self.notify("exit", None)
        await self.p.wait()
        self.reader.cancel()


def pos(text: str, off: int) -> dict:
    p = lsp_bench.position(text, off)
    return {"line": p.line, "character": p.character}


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


async def measure(name: str, root: Path, edits: int, deltas: bool = True) -> dict:
    c = Client()
    await c.start()
    caps = {"window": {"workDoneProgress": True}, "workspace": {"configuration": True},
            "textDocument": {"publishDiagnostics": {"relatedInformation": True}}}
    await c.request("initialize", {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": caps,
                                   "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                                   "initializationOptions": {"dbmt": {"debounce": 0}}})
    files = sorted(root.rglob("*.dbmt"))
    target = max(files, key=lambda p: p.stat().st_size)
    uri = target.as_uri()
    text = target.read_text(encoding="utf-8")
    c.notify("initialized", {})
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "dbmt", "version": 1, "text": text}})
    await asyncio.wait_for(c.wait_version(uri, 1), 900)
    await asyncio.wait_for(c.progress_end.wait(), 900)

    lay = Layout()
    t0 = time.perf_counter()
    model, t1 = await c.request("dbmt/diagram", {})
    first = lay.run(model)
    out = {"name": name, "tables": len(model["tables"]), "edges": len(model["edges"]),
           "first_request_ms": (t1 - t0) * 1000, "first_layout_ms": first["ms"]}
    # A table the new ones refer to: the first table of the edited file.
    anchor = next(t for t in model["tables"] if t["uri"] == uri)
    pk = next((col["name"] for col in anchor["columns"] if col["pk"]), anchor["columns"][0]["name"])
    pk_type = next(col["type"] for col in anchor["columns"] if col["name"] == pk)
    anchor_name = anchor["name"]
    rows = []
    sizes: list[int] = []
    version = 1
    revision = model["revision"]
    for i in range(edits):
        add = f"\nTable bench_diagram_probe_{i} {{\n  id int [pk]\n  ref_id {pk_type} [ref: > {anchor_name}.{pk}]\n}}\n"
        new = text + add
        a, b, ins = lsp_bench.changed_span(text, new)
        version += 1
        fut = c.wait_changed()
        t_sent = time.perf_counter()
        c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                            "contentChanges": [{"range": {"start": pos(text, a), "end": pos(text, b)}, "text": ins}]})
        t_changed = await asyncio.wait_for(fut, 900)
        # As the VS Code extension asks: what changed since the revision it has (a delta).
        m, t_model = await c.request("dbmt/diagram", {"since": revision} if deltas else {})
        done = lay.run(m)
        t_done = time.perf_counter()
        ids = m["tableIds"] if "since" in m else [t["id"] for t in m["tables"]]
        assert deltas == ("since" in m), "a delta was asked for and not given" if deltas else "a delta not asked for"
        assert len(ids) == out["tables"] + i + 1, "the model lacks the added table"
        assert done["nodes"] == len(ids)
        revision = m["revision"]
        sizes.append(len(json.dumps(m)))
        rows.append({"changed": (t_changed - t_sent) * 1000, "model": (t_model - t_changed) * 1000,
                     "parse": done["parseMs"], "layout": done["layoutMs"], "total": (t_done - t_sent) * 1000})
        text = new
    lay.close()
    await c.stop()
    for k in ("changed", "model", "parse", "layout", "total"):
        xs = [r[k] for r in rows]
        out[k + "_p50"] = statistics.median(xs)
        out[k + "_p95"] = lsp_bench.pct(xs, 95)
    out["edits"] = len(rows)
    out["answer_bytes"] = statistics.median(sizes)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--only", default="200,2000")
    ap.add_argument("--modes", default="whole,delta",
                    help="whole: ask for the whole model after each edit (as before deltas); delta: ask `since` the last revision")
    a = ap.parse_args(argv)
    lines = []
    load = os.getloadavg()
    lines.append(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
                 f"node {subprocess.run(['node', '--version'], capture_output=True, text=True).stdout.strip()}, "
                 f"load average at start {load[0]:.1f}; {a.edits} edits per size; debounce 0.")
    lines.append("")
    lines.append("| workspace | answer | edit → diagramChanged | → answer received | apply + layout (node) | edit → laid out (p50 / p95) | answer size | cold `--check` | share of cold |")
    lines.append("|---|---|---|---|---|---|---|---|---|")
    modes = [m for m in ("whole", "delta") if m in a.modes.split(",")]
    for key in a.only.split(","):
        tables, files = SIZES[key]
        root = harness.workspace(tables, files)
        cold = lsp_bench.cold_check(root, 3)
        for mode in modes:
            r = asyncio.run(measure(key, root, a.edits, deltas=mode == "delta"))
            lines.append(
                f"| {r['tables']} tables, {r['edges']} edges, {files} files (first model {r['first_request_ms']:.0f} ms, first layout {r['first_layout_ms']:.0f} ms) "
                f"| {'delta (`since`)' if mode == 'delta' else 'whole model'} "
                f"| {r['changed_p50']:.0f} ms | {r['model_p50']:.0f} ms | {r['parse_p50']:.0f} + {r['layout_p50']:.0f} ms "
                f"| {r['total_p50']:.0f} / {r['total_p95']:.0f} ms | {r['answer_bytes'] / 1000:,.0f} kB | {cold:.0f} ms | {r['total_p50'] / cold:.2f} |")
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
