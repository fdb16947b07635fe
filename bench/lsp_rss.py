#!/usr/bin/env python3
"""The language server's resident memory once it has indexed a workspace (issue 10: <= 600 MB
at 20,000 tables), measured through the protocol: a client (bench/lsp_bench.py's) starts
`python -m dbmt`, initializes it on the workspace, opens its biggest file, waits for the end of
the indexing progress and reads the server's VmRSS (steady state) and VmHWM (peak) from /proc.

    .venv/bin/python bench/lsp_rss.py [--tables 20000] [--files 2000] [--single] [--target-mb 600]

The workspace is run.py's generated one (generated on first use, cached in bench/out/).
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from lsprotocol import types

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
import lsp_bench  # noqa: E402
import run as harness  # noqa: E402


async def measure(root: Path) -> dict:
    c = lsp_bench.Client()
    await c.lc.start_io(sys.executable, "-m", "dbmt", env=dict(os.environ))
    pid = c.lc._server.pid
    await c.lc.initialize_async(types.InitializeParams(
        capabilities=lsp_bench.capabilities(), root_uri=root.as_uri(), process_id=os.getpid(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options={"dbmt": {"debounce": 0}}))
    target = max(root.rglob("*.dbmt"), key=lambda p: p.stat().st_size)
    t0 = time.perf_counter()
    c.lc.initialized(types.InitializedParams())
    c.lc.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=target.as_uri(), language_id="dbmt", version=1, text=target.read_text(encoding="utf-8"))))
    await asyncio.wait_for(c.progress_end.wait(), 1800)
    await asyncio.wait_for(c.wait_version(target.as_uri(), 1), 1800)
    indexed = time.perf_counter() - t0
    await asyncio.sleep(1.0)  # let the loop finish publishing
    rss, peak = lsp_bench.rss_mb(pid)
    await c.lc.shutdown_async(None)
    c.lc.exit(None)
    await c.lc.stop()
    return {"rss_mb": rss, "peak_mb": peak, "indexed_s": indexed}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tables", type=int, default=20000)
    ap.add_argument("--files", type=int, default=2000)
    ap.add_argument("--single", action="store_true", help="the same tables in one file")
    ap.add_argument("--target-mb", type=float, default=600.0)
    args = ap.parse_args(argv)
    root = harness.workspace(args.tables, 1 if args.single else args.files, args.single)
    r = asyncio.run(measure(root))
    ok = r["rss_mb"] <= args.target_mb
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"| server RSS once indexed, {root.name} | {r['rss_mb']:.0f} MB (peak {r['peak_mb']:.0f} MB; "
          f"indexed in {r['indexed_s']:.1f} s, load {load}) | <= {args.target_mb:g} MB | {'yes' if ok else 'no'} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
