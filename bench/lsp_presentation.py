#!/usr/bin/env python3
"""Latencies of the presentation requests (hover, symbols, folding, selection, semantic tokens,
inlay hints, code lens, document links) measured through the protocol, beside the same feature
functions called in-process on the same workspace.

    .venv/bin/python bench/lsp_presentation.py [--tables 2000] [--files 200] [--samples 100]

This process is the client: it starts `python -m dbmt` and speaks LSP to it over stdio (pygls's
client), as an editor does, with VS Code's capabilities. The workspace is bench/generate.py's
(seeded, cached in bench/out/ like run.py's). Requests go to open documents at real positions
(the generator's manifest of name uses). "after edit" rows change the document first (one
didChange, the server re-checks it), so the request meets a new workspace state: that is what
an editor sees while typing. The in-process column calls the feature function on a Session
loaded in this process: the difference is the protocol (JSON, pipes, the event loop).

It prints one markdown table: wall p50 / p95 / max through the protocol, the server's mean CPU
per request (from /proc, in clock ticks: a mean, not a percentile), and the in-process CPU
p50 / p95 (CPU time does not grow when other processes share the machine, wall time does);
target: p95 <= 50 ms through the protocol (issue 7). Timings are never asserted by tests.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib.util
import inspect
import os
import random
import sys
import time
from pathlib import Path

from lsprotocol import types

BENCH = Path(__file__).resolve().parent
TARGET_MS = 50.0


def _run_module():
    name = "dbmt_bench_run"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / "run.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def client_caps() -> types.ClientCapabilities:
    """What VS Code announces for the methods measured here."""
    return types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=[types.PositionEncodingKind.Utf16]),
        text_document=types.TextDocumentClientCapabilities(
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]),
            document_symbol=types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=True),
            folding_range=types.FoldingRangeClientCapabilities(line_folding_only=True, range_limit=5000),
            semantic_tokens=types.SemanticTokensClientCapabilities(
                requests=types.ClientSemanticTokensRequestOptions(range=True, full=types.ClientSemanticTokensRequestFullDelta(delta=True)),
                token_types=["namespace", "type", "class", "enum", "interface", "struct", "property", "enumMember",
                             "decorator", "macro", "keyword", "string", "comment", "number", "operator", "label"],
                token_modifiers=["declaration", "definition", "readonly", "defaultLibrary"],
                formats=[types.TokenFormat.Relative]),
            document_link=types.DocumentLinkClientCapabilities(tooltip_support=True),
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(related_information=True),
        ),
        workspace=types.WorkspaceClientCapabilities(workspace_folders=True),
    )


def log(msg: str) -> None:
    print(f"[lsp-bench] {msg}", file=sys.stderr, flush=True)


def pct(xs, p):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def position(text: str, offset: int) -> types.Position:
    """ASCII text (the generator's): characters are UTF-16 units."""
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


class Plan:
    """The requests to make: (row name, method, params factory)."""

    def __init__(self, ws: Path, man: dict, samples: int, seed: int = 7):
        rng = random.Random(seed)
        self.paths = {f: str((ws / f).resolve()) for f in man["files"]}
        self.texts = {f: Path(p).read_text(encoding="utf-8") for f, p in self.paths.items()}
        self.uris = {f: Path(p).as_uri() for f, p in self.paths.items()}
        self.open_files = sorted(rng.sample(sorted(self.paths), min(20, len(self.paths))))
        opened = set(self.open_files)
        defs = [d for d in man["definitions"] if d[0] in opened]
        self.hovers = [(f, position(self.texts[f], off + len(name) - 1)) for f, off, name in rng.sample(defs, min(samples, len(defs)))]
        self.files = [self.open_files[i % len(self.open_files)] for i in range(samples)]
        names = sorted({name.split(".")[-1] for _f, _o, name in man["definitions"]})
        qs = []
        for name in rng.sample(names, min(samples, len(names))):
            kind = rng.randrange(3)
            qs.append(name[:3] if kind == 0 else name[:1] if kind == 1 else "".join(w[:1] for w in name.split("_")) or name[:2])
        self.queries = qs


async def measure_protocol(plan: Plan, root: Path, samples: int) -> tuple[dict, dict]:
    from pygls.lsp.client import LanguageClient

    client = LanguageClient("dbmt-bench", "1")

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diags(params):
        pass

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def _log(params):
        pass

    await client.start_io(sys.executable, "-m", "dbmt")
    info = {}
    cpu: dict[str, float] = {}
    info["cpu"] = cpu
    t0 = time.perf_counter()
    await client.initialize_async(types.InitializeParams(
        capabilities=client_caps(), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)]))
    client.initialized(types.InitializedParams())
    versions = {}
    for f in plan.open_files:
        versions[f] = 1
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=plan.uris[f], language_id="dbmt", version=1, text=plan.texts[f])))
    # The first answer waits for the index.
    await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=plan.uris[plan.open_files[0]])))
    info["first answer after initialize"] = (time.perf_counter() - t0) * 1000

    def doc(f):
        return types.TextDocumentIdentifier(uri=plan.uris[f])

    def whole(f):
        return types.Range(start=types.Position(line=0, character=0), end=types.Position(line=plan.texts[f].count("\n") + 1, character=0))

    def edit(f):
        """Append a comment line to the end of the file's first table (a new version)."""
        versions[f] += 1
        text = plan.texts[f]
        at = text.index("\n", text.index("{")) + 1
        line = text.count("\n", 0, at)
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=plan.uris[f], version=versions[f]),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=line, character=0), end=types.Position(line=line, character=0)),
                text=f"  bench_col_{versions[f]} int\n")]))
        plan.texts[f] = text[:at] + f"  bench_col_{versions[f]} int\n" + text[at:]

    rows: dict[str, list[float]] = {}
    pid = client._server.pid

    def server_cpu() -> float:
        """The server's CPU seconds so far (user + system; /proc counts in clock ticks)."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return float("nan")

    async def timed(name, coro):
        if name not in rows:
            log(f"protocol: {name} …")
            cpu[name] = 0.0
        c0 = server_cpu()
        t = time.perf_counter()
        got = await coro
        rows.setdefault(name, []).append((time.perf_counter() - t) * 1000)
        cpu[name] += server_cpu() - c0
        return got

    c = client
    for f, pos in plan.hovers:
        await timed("hover", c.text_document_hover_async(types.HoverParams(text_document=doc(f), position=pos)))
    for i, (f, pos) in enumerate(plan.hovers[: samples // 2]):
        edit(f)
        await timed("hover, after edit", c.text_document_hover_async(types.HoverParams(text_document=doc(f), position=pos)))
    for f in plan.files:
        await timed("documentSymbol", c.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc(f))))
    for q in plan.queries:
        await timed("workspace/symbol", c.workspace_symbol_async(types.WorkspaceSymbolParams(query=q)))
    for f in plan.files:
        await timed("foldingRange", c.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc(f))))
    for f, pos in plan.hovers:
        await timed("selectionRange", c.text_document_selection_range_async(types.SelectionRangeParams(text_document=doc(f), positions=[pos])))
    last = {}
    for f in plan.files:
        r = await timed("semanticTokens/full", c.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc(f))))
        last[f] = r.result_id
    for f in plan.files:
        edit(f)
        r = await timed("semanticTokens/full/delta, after edit", c.text_document_semantic_tokens_full_delta_async(
            types.SemanticTokensDeltaParams(text_document=doc(f), previous_result_id=last[f])))
        last[f] = r.result_id
    for f, pos in plan.hovers:
        rng = types.Range(start=types.Position(line=max(0, pos.line - 30), character=0), end=types.Position(line=pos.line + 30, character=0))
        await timed("semanticTokens/range", c.text_document_semantic_tokens_range_async(types.SemanticTokensRangeParams(text_document=doc(f), range=rng)))
    for f in plan.files:
        await timed("inlayHint", c.text_document_inlay_hint_async(types.InlayHintParams(text_document=doc(f), range=whole(f))))
    resolved = 0
    for f in plan.files:
        lenses = await timed("codeLens", c.text_document_code_lens_async(types.CodeLensParams(text_document=doc(f))))
        for lens in (lenses or [])[:3]:
            await timed("codeLens/resolve", c.code_lens_resolve_async(lens))
            resolved += 1
    for f in plan.files[: samples // 4]:
        edit(f)
        lenses = await c.text_document_code_lens_async(types.CodeLensParams(text_document=doc(f)))
        if lenses:
            await timed("codeLens/resolve, after edit", c.code_lens_resolve_async(lenses[0]))
    for f in plan.files:
        await timed("documentLink", c.text_document_document_link_async(types.DocumentLinkParams(text_document=doc(f))))
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return rows, info


def measure_in_process(plan: Plan, root: Path, samples: int) -> dict:
    """The feature functions on a Session loaded here, same requests (no edits: the engine's
    own cost of answering one state)."""
    from dbmt.lsp.context import Capabilities, Context
    from dbmt.lsp.features import folding, hints, hover, lens, links, symbols, tokens
    from dbmt.lsp.session import Document, Session

    s = Session()
    r = s.add_folder(str(root))
    s.install(r, s.load(r))
    for f in plan.open_files:
        s.open(Document(plan.uris[f], plan.paths[f], 1, plan.texts[f]))
    s.flush()
    ctx = Context(s, capabilities=Capabilities(client_caps()))
    rows: dict[str, list[float]] = {}

    def run(name, fn, params):
        if name not in rows:
            log(f"in-process: {name} …")
        # CPU time: what the request costs this process, whatever else the machine runs.
        t = time.process_time()
        got = fn(ctx, params)
        if inspect.isgenerator(got):
            try:
                while True:
                    next(got)
            except StopIteration as stop:
                got = stop.value
        rows.setdefault(name, []).append((time.process_time() - t) * 1000)
        return got

    def doc(f):
        return types.TextDocumentIdentifier(uri=plan.uris[f])

    for f, pos in plan.hovers:
        run("hover", hover.hover, types.HoverParams(text_document=doc(f), position=pos))
    versions = {f: 1 for f in plan.open_files}

    def edit(f):
        versions[f] += 1
        text = plan.texts[f]
        at = text.index("\n", text.index("{")) + 1
        plan.texts[f] = text[:at] + f"  bench_col_{versions[f]} int\n" + text[at:]
        s.change(plan.paths[f], plan.texts[f], versions[f])
        t = time.process_time()
        s.flush()  # what the server does before answering: the engine re-checks the edit
        rows.setdefault("(the edit's re-check, before the request)", []).append((time.process_time() - t) * 1000)

    for f, pos in plan.hovers[: samples // 2]:
        edit(f)
        run("hover, after edit", hover.hover, types.HoverParams(text_document=doc(f), position=pos))
    for f in plan.files:
        run("documentSymbol", symbols.document_symbol, types.DocumentSymbolParams(text_document=doc(f)))
    for q in plan.queries:
        run("workspace/symbol", symbols.workspace_symbol, types.WorkspaceSymbolParams(query=q))
    for f in plan.files:
        run("foldingRange", folding.folding_range, types.FoldingRangeParams(text_document=doc(f)))
    for f, pos in plan.hovers:
        run("selectionRange", folding.selection_range, types.SelectionRangeParams(text_document=doc(f), positions=[pos]))
    last = {}
    for f in plan.files:
        last[f] = run("semanticTokens/full", tokens.full, types.SemanticTokensParams(text_document=doc(f))).result_id
    for f in plan.files:
        edit(f)
        last[f] = run("semanticTokens/full/delta, after edit", tokens.delta, types.SemanticTokensDeltaParams(
            text_document=doc(f), previous_result_id=last[f])).result_id
    for f, pos in plan.hovers:
        rng = types.Range(start=types.Position(line=max(0, pos.line - 30), character=0), end=types.Position(line=pos.line + 30, character=0))
        run("semanticTokens/range", tokens.range_, types.SemanticTokensRangeParams(text_document=doc(f), range=rng))
    for f in plan.files:
        n = plan.texts[f].count("\n") + 1
        run("inlayHint", hints.inlay_hint, types.InlayHintParams(text_document=doc(f), range=types.Range(
            start=types.Position(line=0, character=0), end=types.Position(line=n, character=0))))
    for f in plan.files:
        ls = run("codeLens", lens.code_lens, types.CodeLensParams(text_document=doc(f)))
        for one in (ls or [])[:3]:
            run("codeLens/resolve", lens.resolve, one)
    for f in plan.files[: samples // 4]:
        edit(f)
        ls = lens.code_lens(ctx, types.CodeLensParams(text_document=doc(f)))
        if ls:
            run("codeLens/resolve, after edit", lens.resolve, ls[0])
    for f in plan.files:
        run("documentLink", links.document_link, types.DocumentLinkParams(text_document=doc(f)))
    return rows


def fmt(xs):
    return f"{pct(xs, 50):.1f} / {pct(xs, 95):.1f} / {max(xs):.1f}" if xs else "n/a"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=int, default=2000)
    ap.add_argument("--files", type=int, default=200)
    ap.add_argument("--samples", type=int, default=100)
    args = ap.parse_args(argv)
    run = _run_module()
    ws = run.workspace(args.tables, args.files)
    man = run.manifest(ws)
    plan = Plan(ws, man, args.samples)
    proto, info = asyncio.run(measure_protocol(Plan(ws, man, args.samples), ws.resolve(), args.samples))
    inproc = measure_in_process(plan, ws.resolve(), args.samples)
    print(f"{run.machine_line()}")
    print(f"workspace: {args.tables} tables in {args.files} files, {len(plan.open_files)} open; "
          f"first answer {info['first answer after initialize']:.0f} ms after initialize (indexing included)\n")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.1f} on {os.cpu_count()} CPUs\n")
    print("| request | protocol wall p50 / p95 / max (ms) | server CPU per request, mean (ms) | "
          "in-process CPU p50 / p95 (ms) | n | target p95 <= 50 ms |")
    print("|---|---|---|---|---|---|")
    missed = 0
    for name, xs in proto.items():
        ip = inproc.get(name)
        ok = pct(xs, 95) <= TARGET_MS
        missed += not ok
        mean_cpu = info["cpu"].get(name, float("nan")) * 1000 / len(xs)
        print(f"| {name} | {fmt(xs)} | {mean_cpu:.1f} | {(f'{pct(ip, 50):.1f} / {pct(ip, 95):.1f}' if ip else '—')} "
              f"| {len(xs)} | {'yes' if ok else 'NO'} |")
    edits = inproc.get("(the edit's re-check, before the request)")
    if edits:
        print(f"| (the edit's re-check, before the request) | — | — | {pct(edits, 50):.1f} / {pct(edits, 95):.1f} | {len(edits)} | |")
    print("\nThe in-process column of an \"after edit\" row is the request alone; its edit's re-check is the "
          "last row (the server does both before answering).")
    return 0 if not missed else 1


if __name__ == "__main__":
    sys.exit(main())
