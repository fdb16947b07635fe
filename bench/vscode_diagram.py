#!/usr/bin/env python3
"""The live diagram in a real VS Code on a generated workspace (2,000 tables by default).

    .venv/bin/python bench/vscode_diagram.py [--tables 2000 --files 200]

What tests/editors/test_vscode_diagram.py does on examples/shop, on the benchmark's generated
workspace (bench/run.py `workspace`, the one bench/diagram_bench.py times without an editor):
code-server in Debian's chromium with the packaged extension (tests/editors/vscode_session.py),
the diagram opened with the editor-title button, a table added at the end of a file, a click on a
drawn table, a drag, dbmt-layout.json rewritten on disk. The UI script is the test's
(tests/editors/vscode_diagram_ui.mjs) with its thousands-of-tables switches (`culled`: off-screen
tables are not in the DOM; `pick`: zoom in and click the first whole table in view). Prints a
markdown table: whether each step did what it should, its wall time, and the cold `--check` of
the same workspace in this run for scale (also bench/out/vscode-diagram-last-run.md); exits 1 if
a step failed. Wall times are one run on a shared machine: a bench figure, never a test bound.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))
import lsp_bench  # noqa: E402
import run as harness  # noqa: E402


class _Temp:
    """What vscode_session.prepare asks of pytest's tmp_path_factory."""

    def __init__(self):
        self.base = Path(tempfile.mkdtemp(prefix="dbmt-vscode-bench-"))

    def mktemp(self, name: str) -> Path:
        p = self.base / name
        p.mkdir()
        return p


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tables", type=int, default=2000)
    ap.add_argument("--files", type=int, default=200)
    a = ap.parse_args(argv)
    os.environ.setdefault("CI", "true")  # a missing browser or toolchain fails, as in CI
    from tests.editors.vscode_session import prepare, run_ui, serving

    src = harness.workspace(a.tables, a.files)
    tmp = _Temp()
    ws = tmp.base / "ws"
    shutil.copytree(src, ws, ignore=shutil.ignore_patterns(".dbmt-cache", "dbmt-layout.json"))
    cold = lsp_bench.cold_check(ws, 1)
    model = json.loads(subprocess.run([str(Path(sys.executable).parent / "dbmt-lsp"), "--export", "json", str(ws)],
                                      capture_output=True, text=True, check=True, timeout=600).stdout)
    files = sorted(p.relative_to(ws).as_posix() for p in ws.glob("*.dbmt"))
    first = files[0]
    probe = "\n\nTable DiagramProbe {\n  id int [pk]\n}\n"
    steps = {
        "open": {"file": first, "culled": True},
        "add": {"file": first, "text": probe, "table": f"t:{first}#public.DiagramProbe", "culled": True},
        "click": {"pick": True},
        "drag": {"layoutFile": str(ws / "dbmt-layout.json")},
        "reload": {"x": -40, "y": 30, "relative": True},
    }
    prep = prepare(tmp, "vscode-bench")
    t0 = time.monotonic()
    with serving(prep, ws, "code-server-bench.log") as url:
        result = run_ui(prep, "vscode_diagram_ui.mjs", {"url": url, "steps": steps}, timeout=1800)
    total = time.monotonic() - t0
    st, errors, ms = result["steps"], result["errors"], result.get("ms", {})

    def ok(name: str, cond) -> str:
        if name in errors:
            return "failed: " + errors[name].splitlines()[0][:160]
        try:
            return "yes" if cond(st[name]) else "no"
        except (KeyError, TypeError):
            return "no"

    rows = [
        ("open: the diagram draws the model", ok("open", lambda s: s["modelTables"] == len(model["tables"])),
         "open", lambda s: f"{s['modelTables']} tables in the model, {len(s['tables'])} in the DOM (off-screen culled), "
                           f"{s['modelEdges']} relationships"),
        ("edit: an added table appears in the model", ok("add", lambda s: s["modelTables"] == len(model["tables"]) + 1),
         "add", lambda s: f"revision {s['before']} → {s['after']}"),
        ("edit → the webview has drawn it (its own clock)", ok("add", lambda s: s["modelTables"] == len(model["tables"]) + 1),
         "editToDrawn", lambda s: "from the typed text to the end of the webview's draw of that revision"),
        ("click: opens the table's definition", ok("click", lambda s: s["tab"] and s["cursor"]),
         "click", lambda s: f"{s['table']} → {s['tab']} {s['cursor']}"),
        ("drag: writes dbmt-layout.json", ok("drag", lambda s: json.loads(s["text"])["tables"]),
         "drag", lambda s: f"{len(json.loads(s['text'])['tables'])} position(s)"),
        ("dbmt-layout.json rewritten on disk: read again", ok("reload", lambda s: s["transform"] == s["want"]),
         "reload", lambda s: s["transform"]),
    ]
    load = os.getloadavg()
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} CPUs; {len(model['tables'])} tables, "
             f"{len(model['edges'])} relationships in {len(files)} files; "
             f"cold `--check --no-cache` {cold:.0f} ms; load average at the end {load[0]:.1f}; "
             f"UI run {total:.0f} s (setup: {prep.timings}).", "",
             "| step | did it | wall time | share of a cold check | what |", "|---|---|---|---|---|"]
    failed = False
    for title, verdict, name, what in rows:
        failed |= verdict != "yes"
        try:
            detail = what(st.get(name)) if name in st or name in ms else ""
        except (KeyError, TypeError, ValueError):
            detail = ""
        t = ms.get(name)
        shown = f"{t:.0f} ms" if name == "editToDrawn" and t is not None else f"{(t or 0) / 1000:.1f} s"
        lines.append(f"| {title} | {verdict} | {shown} | {t / cold:.1f}× | {detail} |" if t is not None
                     else f"| {title} | {verdict} | – | – | {detail} |")
    text = "\n".join(lines) + "\n"
    (BENCH / "out").mkdir(exist_ok=True)
    (BENCH / "out" / "vscode-diagram-last-run.md").write_text(text)
    print(text)
    print(f"screenshots: {result['screenshots']}")
    if not os.environ.get("DBMT_BENCH_KEEP"):
        shutil.rmtree(tmp.base, ignore_errors=True)
    else:
        print(f"kept: {tmp.base}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
