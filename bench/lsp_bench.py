#!/usr/bin/env python3
"""The language server measured through the protocol: a client process talks to `dbmt-lsp`
over stdio, as editors do, and times what a user waits for.

    .venv/bin/python bench/lsp_bench.py [--quick] [--edits N] [--requests N] [--only NAMES]

Workspaces: the example (examples/shop), the generated 200-file / 2,000-table workspace and the
same content as one ~2 MB file (bench/generate.py, cached in bench/out/ like bench/run.py's).
For each: time from `initialized` to the first diagnostics of an opened file, the server's
resident memory once indexed, edit → published diagnostics (the server's debounce set to 0, so
the figure is what comes on top of any debounce), and completion, definition, hover,
references, rename at the generator's recorded positions. Beside them: the engine's own time for
the same edits in this process, and every latency as a share of a cold `--check --no-cache` of
the same workspace measured in this run (these machines differ by several times; shares and
ratios travel, milliseconds do not). Prints a markdown table (also bench/out/lsp-last-run.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
import run as harness  # noqa: E402  (the workspace generator cache and realistic edits)

TARGETS = {  # from the language-server issue; ms
    "edit-200": 50, "edit-single": 300, "completion": 20, "definition": 50, "hover": 50,
    "references": 50, "rename": 50, "rss_mb": 250,
}


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def position(text: str, off: int) -> types.Position:
    line = text.count("\n", 0, off)
    col = text[text.rfind("\n", 0, off) + 1:off]
    return types.Position(line=line, character=len(col.encode("utf-16-le")) // 2)


def changed_span(old: str, new: str):
    a = 0
    n = min(len(old), len(new))
    while a < n and old[a] == new[a]:
        a += 1
    b = 0
    while b < n - a and old[len(old) - 1 - b] == new[len(new) - 1 - b]:
        b += 1
    return a, len(old) - b, new[a:len(new) - b]


def rss_mb(pid: int) -> tuple[float, float]:
    """(resident now, peak) of a process, in MB."""
    now = peak = float("nan")
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
            elif line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    except OSError:
        pass
    return now, peak


def cold_check(root: Path, runs: int) -> float:
    cli = harness.dbmt_cli() or "dbmt-lsp"
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([cli, "--check", str(root), "--no-cache", "--quiet"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, cwd=root)
        walls.append(time.perf_counter() - t0)
    return statistics.median(walls) * 1000


class Client:
    def __init__(self):
        self.lc = LanguageClient("dbmt-bench", "1")
        self.published: dict[str, int | None] = {}
        self.waiters: list[tuple[str, int, asyncio.Future]] = []
        self.progress_end = asyncio.Event()

        @self.lc.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def _pub(params):
            self.published[params.uri] = params.version
            for w in list(self.waiters):
                if w[0] == params.uri and (params.version or 0) >= w[1] and not w[2].done():
                    w[2].set_result(time.perf_counter())
                    self.waiters.remove(w)

        @self.lc.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)
        def _create(params):
            return None

        @self.lc.feature(types.PROGRESS)
        def _progress(params):
            v = params.value
            kind = v.get("kind") if isinstance(v, dict) else getattr(v, "kind", None)
            if kind == "end":
                self.progress_end.set()

        @self.lc.feature(types.WINDOW_LOG_MESSAGE)
        def _log(params):
            pass

        @self.lc.feature(types.WORKSPACE_CONFIGURATION)
        def _config(params):
            return [None for _ in params.items]

        @self.lc.feature(types.CLIENT_REGISTER_CAPABILITY)
        def _register(params):
            return None

    def wait_version(self, uri: str, version: int) -> asyncio.Future:
        fut = asyncio.get_running_loop().create_future()
        self.waiters.append((uri, version, fut))
        return fut


def capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(configuration=True),
        text_document=types.TextDocumentClientCapabilities(
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True),
            completion=types.CompletionClientCapabilities(completion_item=types.ClientCompletionItemOptions(snippet_support=True)),
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            rename=types.RenameClientCapabilities(prepare_support=True),
        ))


async def measure(name: str, root: Path, man: dict | None, edits: int, requests: int, seed: int) -> dict:
    out: dict = {"name": name}
    c = Client()
    env = dict(os.environ)
    await c.lc.start_io(sys.executable, "-m", "dbmt", env=env)
    server_pid = c.lc._server.pid
    res = await c.lc.initialize_async(types.InitializeParams(
        capabilities=capabilities(), root_uri=root.as_uri(), process_id=os.getpid(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options={"dbmt": {"debounce": 0}}))
    caps = res.capabilities
    files = sorted(p for p in root.rglob("*.dbmt"))
    # The file the user edits: the biggest one (the single file, or a busy team's).
    target = max(files, key=lambda p: p.stat().st_size)
    uri = target.as_uri()
    text = target.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    c.lc.initialized(types.InitializedParams())
    c.lc.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=uri, language_id="dbmt", version=1, text=text)))
    t_first = await asyncio.wait_for(c.wait_version(uri, 1), 600)
    out["first_diagnostics_ms"] = (t_first - t0) * 1000
    await asyncio.wait_for(c.progress_end.wait(), 600)
    out["rss_mb"], out["peak_mb"] = rss_mb(server_pid)

    # Edits: realistic ones (bench/run.py's kinds), sent as ranged changes, each waited for.
    rng = random.Random(seed)
    version = 1
    lat = []
    kinds_used = []
    engine_texts = []
    for _ in range(edits):
        kind = rng.choice(harness.EDIT_KINDS)
        new = harness.make_edit(rng, text, kind)
        if new is None:
            continue
        a, b, ins = changed_span(text, new)
        version += 1
        fut = c.wait_version(uri, version)
        t0 = time.perf_counter()
        c.lc.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=position(text, a), end=position(text, b)), text=ins)]))
        t1 = await asyncio.wait_for(fut, 600)
        lat.append((t1 - t0) * 1000)
        kinds_used.append(kind)
        text = new
        engine_texts.append(new)
    out["edit_ms"] = lat

    # Requests at the generator's recorded places (or the example's names).
    async def timed(coro):
        t0 = time.perf_counter()
        r = await asyncio.wait_for(coro, 600)
        return (time.perf_counter() - t0) * 1000, r

    def doc(p):
        return types.TextDocumentIdentifier(uri=(root / p).as_uri())

    texts = {}

    def text_of(rel):
        if rel not in texts:
            p = root / rel
            texts[rel] = text if p == target else p.read_text(encoding="utf-8")
        return texts[rel]

    places = []
    if man is not None:
        places = [(f, off) for f, off, _name in man["definitions"]]
    else:
        for p in files:
            t = p.read_text(encoding="utf-8")
            for needle in ("AccessoryExtType", "Users", "Shoes", "Posts", "Gloves"):
                i = t.find(needle)
                if i >= 0:
                    places.append((str(p.relative_to(root)), i + 1))
    rng.shuffle(places)
    places = places[:requests]
    comp_places = [(f, off) for f, off in (man["completions"] if man else [])][:requests] or places
    results: dict[str, list[float]] = {}

    async def each(method, places, make):
        if not places:
            return
        xs = []
        for rel, off in places:
            t = text_of(rel)
            if off > len(t):
                continue
            ms, _r = await timed(make(doc(rel), position(t, off)))
            xs.append(ms)
        results[method] = xs

    if caps.completion_provider is not None:
        await each("completion", comp_places, lambda d, p: c.lc.text_document_completion_async(
            types.CompletionParams(text_document=d, position=p)))
    await each("definition", places, lambda d, p: c.lc.text_document_definition_async(
        types.DefinitionParams(text_document=d, position=p)))
    if caps.hover_provider:
        await each("hover", places, lambda d, p: c.lc.text_document_hover_async(
            types.HoverParams(text_document=d, position=p)))
    await each("references", places, lambda d, p: c.lc.text_document_references_async(
        types.ReferenceParams(text_document=d, position=p, context=types.ReferenceContext(include_declaration=True))))

    async def rename_at(d, p):
        try:
            return await c.lc.text_document_rename_async(types.RenameParams(text_document=d, position=p, new_name="bench_renamed"))
        except Exception:  # a refused rename is an answer too
            return None
    await each("rename", places, rename_at)
    out["requests"] = results
    out["missing"] = [m for m, ok in (("completion", caps.completion_provider is not None), ("hover", bool(caps.hover_provider))) if not ok]
    await asyncio.wait_for(c.lc.shutdown_async(None), 60)
    c.lc.exit(None)
    try:
        await asyncio.wait_for(c.lc._server.wait(), 30)
    except Exception:
        c.lc._server.kill()
    await c.lc.stop()

    # The engine alone, in this process, on the same edits.
    from dbmt.workspace import Workspace
    ws = Workspace.open(root, use_cache=False)
    eng = []
    for t in engine_texts:
        t0 = time.perf_counter()
        changed = ws.update_file(str(target), t)
        for p in changed:
            ws.diagnostics_for(p)
        eng.append((time.perf_counter() - t0) * 1000)
    out["engine_edit_ms"] = eng
    out["kinds"] = kinds_used
    return out


def fmt(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 1000 else f"{ms / 1000:.2f} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer edits and requests")
    ap.add_argument("--edits", type=int, default=None)
    ap.add_argument("--requests", type=int, default=None)
    ap.add_argument("--only", default="example,multi,single")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    edits = args.edits or (30 if args.quick else 200)
    requests = args.requests or (30 if args.quick else 100)
    runs = 3
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"dbmt-lsp-bench-{os.getpid()}"
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    started = time.perf_counter()
    try:
        scenarios = []
        if "example" in args.only:
            ex = work / "shop"
            shutil.copytree(ROOT / "examples" / "shop", ex)
            scenarios.append(("example workspace (5 files)", ex, None, "edit-200"))
        if "multi" in args.only:
            src = harness.workspace(2000, 200)
            dst = work / "multi"
            shutil.copytree(src, dst)
            scenarios.append(("200 files / 2,000 tables", dst, harness.manifest(src), "edit-200"))
        if "single" in args.only:
            src = harness.workspace(2000, 1, single=True)
            dst = work / "single"
            shutil.copytree(src, dst)
            scenarios.append(("one file, 2,000 tables", dst, harness.manifest(src), "edit-single"))
        for label, root, man, edit_target in scenarios:
            cold = cold_check(root, runs)
            r = asyncio.run(measure(label, root, man, edits, requests, args.seed))
            size = sum(p.stat().st_size for p in root.rglob("*.dbmt")) / 1e6
            rows.append((label, size, cold, r, edit_target))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        f"Machine: {os.uname().machine}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
        f"{edits} edits and {requests} requests per workspace; the server's debounce set to 0; "
        f"{time.perf_counter() - started:.0f} s in all.", "",
        "| workspace | measure | through the protocol | engine alone | share of a cold check | target | met? |",
        "|---|---|---|---|---|---|---|",
    ]

    def row(label, what, ms, eng, cold, target):
        share = f"{100 * ms / cold:.1f} %" if cold and ms == ms else ""
        met = "" if target is None else ("yes" if ms <= target else "no")
        lines.append(f"| {label} | {what} | {fmt(ms) if isinstance(ms, float) else ms} | {eng} | {share} | "
                     f"{'' if target is None else f'<= {target} ms'} | {met} |")

    for label, size, cold, r, edit_target in rows:
        lines.append(f"| {label} ({size:.2f} MB) | cold `--check --no-cache` (median of {runs}) | {fmt(cold)} |  | 100 % |  |  |")
        row(label, "initialized → first diagnostics of an opened file", r["first_diagnostics_ms"], "", cold, None)
        e, g = r["edit_ms"], r["engine_edit_ms"]
        row(label, f"edit → published diagnostics p50 ({len(e)} edits)", pct(e, 50), fmt(pct(g, 50)), cold, None)
        row(label, "edit → published diagnostics p95", pct(e, 95), fmt(pct(g, 95)), cold,
            TARGETS[edit_target] if "example" not in label else None)
        for m, xs in r["requests"].items():
            row(label, f"{m} p95 ({len(xs)} requests; p50 {fmt(pct(xs, 50))})", pct(xs, 95), "", cold,
                TARGETS.get(m) if "example" not in label else None)
        for m in r["missing"]:
            lines.append(f"| {label} | {m} | not offered by the server |  |  |  |  |")
        target = TARGETS["rss_mb"] if "2,000" in label and "200 files" in label else None
        met = "" if target is None else ("yes" if r["rss_mb"] <= target else "no")
        lines.append(f"| {label} | server RSS once indexed (peak) | {r['rss_mb']:.0f} MB ({r['peak_mb']:.0f} MB) |  |  | "
                     f"{'' if target is None else f'<= {target} MB'} | {met} |")
    table = "\n".join(lines)
    print(table)
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / "lsp-last-run.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
