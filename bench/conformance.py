#!/usr/bin/env python3
"""DBML conformance: dbmt against the official DBML parser on the official test fixtures.

    .venv/bin/python bench/conformance.py PATH_TO_DBML_CHECKOUT [--list] [--json FILE]

The language brief (§1) makes the test fixtures of holistics/dbml the conformance suite: a
file the official parser accepts must be accepted by dbmt, one it rejects must be rejected.
This tool
  1. finds the `.dbml` fixtures under PATH/packages/*/__tests__ (minus the outputs of
     `sql2dbml` / `db2dbml`, which are generated from SQL and not DBML test inputs);
  2. classifies each with the official parser, `@dbml/core` 10.2.0 `dbmlv2` mode, through
     node (bench/dbml_classify.mjs; `npm ci` in bench/ installs it): a file on its own, or,
     in a folder whose files `use`/`reuse` one another (dbml-cli's multi-file fixtures), as
     the entry point of that folder's project;
  3. checks each with dbmt the same way — the file alone, or its folder as one workspace —
     twice: syntax only (the parser's DBMT001 errors) and the full checker (every rule; a
     file is rejected when it has a diagnostic of severity error);
  4. prints a table (valid accepted, invalid rejected, for both) and the mismatches with the
     official messages and dbmt's first errors (`--list` lists every mismatch, otherwise 40).

Fixture files are only read: nothing is copied, written or committed (the dbmt result cache
is disabled).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXCLUDED_DIRS = {"sql2dbml", "db2dbml", "node_modules"}


def find_fixtures(checkout: Path) -> list[Path]:
    out = []
    for pkg in sorted((checkout / "packages").glob("*/__tests__")):
        for p in sorted(pkg.rglob("*.dbml")):
            if EXCLUDED_DIRS.isdisjoint(p.relative_to(checkout).parts):
                out.append(p.resolve())
    return out


USE_FROM_RE = re.compile(r"""^\s*(?:re)?use\b.*?\bfrom\s+['"]([^'"]+)['"]""", re.M | re.S)


def use_targets(p: Path, known: set[Path]) -> list[Path]:
    """The fixture files `p` names in `use … from './x'` lines (extension optional)."""
    try:
        text = p.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return []
    out = []
    for m in USE_FROM_RE.finditer(text):
        rel = m.group(1)
        for cand in (rel, rel + ".dbml"):
            t = (p.parent / cand).resolve()
            if t in known and t != p:
                out.append(t)
                break
    return out


def group_jobs(files: list[Path]) -> tuple[list[list[Path]], dict[Path, set[Path]]]:
    """Jobs: files linked by `use` (either way) form one multi-file project, the others stand
    alone. Also returns, per file, the files it reaches through `use` (itself included)."""
    known = set(files)
    edges = {f: use_targets(f, known) for f in files}
    parent = {f: f for f in files}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for f, ts in edges.items():
        for t in ts:
            parent[find(f)] = find(t)
    comps: dict[Path, list[Path]] = {}
    for f in files:
        comps.setdefault(find(f), []).append(f)
    reach: dict[Path, set[Path]] = {}
    for f in files:
        seen, todo = {f}, [f]
        while todo:
            for t in edges[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        reach[f] = seen
    return list(comps.values()), reach


def classify(jobs: list[list[Path]]) -> dict[str, dict]:
    node = shutil.which("node")
    if node is None:
        sys.exit("conformance: node is not installed")
    if not (HERE / "node_modules" / "@dbml" / "core").is_dir():
        print("conformance: installing @dbml/core (npm ci in bench/)", file=sys.stderr)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True,
                       stdout=subprocess.DEVNULL)
    payload = json.dumps([{"files": [str(f) for f in job]} for job in jobs])
    res = subprocess.run([node, str(HERE / "dbml_classify.mjs")], input=payload, capture_output=True,
                         text=True, cwd=HERE)
    if res.returncode != 0:
        sys.exit(f"conformance: the official parser failed to run:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout)


def check_dbmt(jobs: list[list[Path]]) -> dict[str, dict]:
    sys.path.insert(0, str(HERE.parent / "server"))
    from dbmt.diagnostics import ERROR
    from dbmt.workspace import Workspace
    from dbmt.workspace.config import Config

    out: dict[str, dict] = {}
    for job in jobs:
        root = job[0].parent
        ws = Workspace.open(root, use_cache=False, config=Config(root=root), paths=[str(f) for f in job])
        for f in job:
            diags = ws.diagnostics_for(str(f))
            errors = [d for d in diags if d.severity == ERROR]
            st = ws.files.get(str(f))
            syntax = []
            if st is not None:
                syntax = [e for e in st.model.parsed.errors if e.code == "DBMT001"]
                if st.decode_problem is not None:
                    syntax.append(st.decode_problem)
            lines = st.model.parsed.lines if st is not None else None

            def where(off):
                return lines.line_col(off)[0] + 1 if lines is not None else "?"

            out[str(f)] = {
                "syntax_ok": not syntax,
                "full_ok": not errors,
                "errors": [f"{d.code} {d.message} @{where(d.start)}" for d in errors[:3]],
            }
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", type=Path, help="a checkout of github.com/holistics/dbml")
    ap.add_argument("--list", action="store_true", help="list every mismatch")
    ap.add_argument("--json", type=Path, help="also write the per-file results here")
    args = ap.parse_args(argv)
    checkout = args.checkout.resolve()
    files = find_fixtures(checkout)
    if not files:
        sys.exit(f"conformance: no .dbml fixtures under {checkout}/packages/*/__tests__")
    jobs, reach = group_jobs(files)
    official = classify(jobs)
    ours = check_dbmt(jobs)
    # DBML compiles an entry point together with what it uses: an error in an imported file
    # fails the entry point too. dbmt reports each error in its own file, so a file counts as
    # rejected when it or a file it reaches through `use` has an error.
    for f in files:
        k = str(f)
        if k in ours:
            ours[k]["full_ok_alone"] = ours[k]["full_ok"]
            ours[k]["full_ok"] = all(ours.get(str(g), {}).get("full_ok_alone", ours.get(str(g), {}).get("full_ok", True))
                                     for g in reach[f])

    rows = {"valid": [0, 0, 0], "invalid": [0, 0, 0]}  # [total, syntax agrees, full agrees]
    mismatches = {"valid": [], "invalid": []}
    for f in files:
        k = str(f)
        o, d = official.get(k), ours.get(k)
        if o is None or d is None:
            continue
        kind = "valid" if o["ok"] else "invalid"
        r = rows[kind]
        r[0] += 1
        r[1] += d["syntax_ok"] == o["ok"]
        agrees = d["full_ok"] == o["ok"]
        r[2] += agrees
        if not agrees:
            mismatches[kind].append((f.relative_to(checkout), o, d))

    multi = sum(len(j) for j in jobs if len(j) > 1)
    print(f"DBML conformance: {len(files)} fixtures ({multi} in multi-file folders), official parser @dbml/core 10.2.0 dbmlv2\n")
    print("| fixtures | count | syntax only | full check |")
    print("|---|---:|---:|---:|")
    t, s, c = rows["valid"]
    print(f"| valid, accepted by dbmt | {t} | {s}/{t} | {c}/{t} |")
    t, s, c = rows["invalid"]
    print(f"| invalid, rejected by dbmt | {t} | {s}/{t} | {c}/{t} |")
    limit = None if args.list else 40
    for kind, title in (("valid", "Valid DBML that dbmt rejects"), ("invalid", "Invalid DBML that dbmt accepts")):
        ms = mismatches[kind]
        if not ms:
            continue
        print(f"\n{title} ({len(ms)}):")
        for rel, o, d in ms[:limit]:
            print(f"  {rel}")
            if kind == "valid":
                for e in d["errors"][:2]:
                    print(f"      dbmt: {e}")
            else:
                for m in o["msgs"][:2]:
                    print(f"      official: {m}")
        if limit is not None and len(ms) > limit:
            print(f"  … {len(ms) - limit} more (--list)")
    if args.json:
        args.json.write_text(json.dumps({str(f): {"official": official.get(str(f)), "dbmt": ours.get(str(f))}
                                         for f in files}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
