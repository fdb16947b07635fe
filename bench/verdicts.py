"""Verdicts on DBML files, dbmt's and the official tools', for conformance.py and corpus.py.

A *job* is a list of files checked together: one file alone, or the files of a multi-file
DBML project (they `use` one another). Both sides see each job alone:

- `official(jobs)`: @dbml/parse 10.2 (the verdict dbmt follows: `Compiler.interpretFile` of
  each file as the entry point) and @dbml/core 10.2 (`Parser.parse … 'dbmlv2'`, which adds
  the checks of its Database model), through node (bench/dbml_classify.mjs; `npm ci` in bench/
  installs both, pinned by package-lock.json).
- `dbmt(jobs)`: each job is copied into a fresh folder of its own and checked there the way a
  user checks it, `dbmt-lsp --check --no-cache --format json .` with that folder as the working
  directory (the real CLI entry, run in this process: one Python start-up for all jobs). A file
  is accepted when it has no diagnostic of severity error. The syntax-only verdict (the
  parser's DBMT001 errors alone) is computed too.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def ensure_node_modules() -> str:
    node = shutil.which("node")
    if node is None:
        sys.exit("bench: node is not installed (needed for the official DBML parser)")
    if not (HERE / "node_modules" / "@dbml" / "core").is_dir() or not (HERE / "node_modules" / "@dbml" / "parse").is_dir():
        print("bench: installing @dbml/core and @dbml/parse (npm ci in bench/)", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True, stdout=subprocess.DEVNULL)
    return node


def official(jobs: list[list[Path]]) -> dict[str, dict]:
    """path → {"ok", "msgs", "core_ok", "core_msgs"} (see dbml_classify.mjs)."""
    node = ensure_node_modules()
    payload = json.dumps([{"files": [str(f) for f in job]} for job in jobs])
    res = subprocess.run([node, str(HERE / "dbml_classify.mjs")], input=payload, capture_output=True,
                         text=True, cwd=HERE)
    if res.returncode != 0:
        sys.exit(f"bench: the official parser failed to run:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout)


def _common_parent(files: list[Path]) -> Path:
    return Path(os.path.commonpath([str(f.parent) for f in files]))


def dbmt(jobs: list[list[Path]]) -> dict[str, dict]:
    """path → {"syntax_ok", "full_ok", "errors": first three error diagnostics, "warnings": count}."""
    sys.path.insert(0, str(HERE.parent / "server"))
    from dbmt.cli import main as cli_main
    from dbmt.syntax import parse_text
    from dbmt.workspace.files import read_source

    out: dict[str, dict] = {}
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="dbmt-verdicts-") as tmp:
        for n, job in enumerate(jobs):
            base = _common_parent(job)
            folder = Path(tmp) / f"job{n}"
            copies = {}
            for f in job:
                dest = folder / f.relative_to(base)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dest)
                copies[str(dest.resolve())] = f
            buf = io.StringIO()
            os.chdir(folder)
            try:
                with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()) as err:
                    rc = cli_main(["--check", "--no-cache", "--format", "json", "."])
            finally:
                os.chdir(here)
            if rc == 2:
                for f in job:
                    out[str(f)] = {"syntax_ok": False, "full_ok": False, "warnings": 0,
                                   "errors": [f"dbmt-lsp exited 2: {err.getvalue().strip()[:200]}"]}
                continue
            report = json.loads(buf.getvalue())
            per: dict[str, list[dict]] = {}
            for d in report["diagnostics"]:
                per.setdefault(str((folder / d["path"]).resolve()), []).append(d)
            for copy, f in copies.items():
                diags = per.get(copy, [])
                errors = [d for d in diags if d["severity"] == "error"]
                text, problem = read_source(copy)
                syntax = [e for e in parse_text(text).errors if e.code == "DBMT001"]
                out[str(f)] = {
                    "syntax_ok": not syntax and problem is None,
                    "full_ok": not errors,
                    "warnings": sum(d["severity"] == "warning" for d in diags),
                    "errors": [f"{d['code']} {d['message']} @{d['line']}" for d in errors[:3]],
                }
    return out
