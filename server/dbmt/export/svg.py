"""`--export svg`: the diagram model laid out and drawn by the editor's own code (editors/diagram:
layout.mjs with its layout library, render.mjs), bundled by esbuild into assets/diagram-render.mjs
so node alone runs it (no npm install on the user's machine). The model goes in on stdin, the
saved positions (`dbmt-layout.json`) as an argument, the SVG comes out on stdout."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ASSET = Path(__file__).parent / "assets" / "diagram-render.mjs"
# A bound for a render that hangs (a bug in the bundle), not a measurement: 2,000 tables lay out
# in seconds.
TIMEOUT_S = 600


class RenderError(Exception):
    """The SVG cannot be rendered here (node missing, the bundle missing, node failing); one line."""


def node_executable() -> str | None:
    return os.environ.get("DBMT_NODE") or shutil.which("node")


def render_svg(model_json: str, saved: str | None = None) -> str:
    exe = node_executable()
    if exe is None:
        raise RenderError("--export svg needs node (18 or newer) on PATH to lay out the diagram; "
                          "install node, or use --export json|mermaid|dot")
    if not ASSET.is_file():
        raise RenderError(f"--export svg: the bundled renderer {ASSET} is missing from this installation")
    cmd = [exe, str(ASSET)] + ([saved] if saved else [])
    try:
        proc = subprocess.run(cmd, input=model_json, capture_output=True, text=True, encoding="utf-8",
                              timeout=TIMEOUT_S)
    except FileNotFoundError:
        raise RenderError(f"--export svg: cannot run node ({exe})") from None
    except subprocess.TimeoutExpired:
        raise RenderError(f"--export svg: the renderer gave no answer within {TIMEOUT_S} s") from None
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise RenderError(f"--export svg: the renderer failed (exit {proc.returncode}): {last}")
    return proc.stdout
