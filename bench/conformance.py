#!/usr/bin/env python3
"""DBML conformance: dbmt against the official DBML parser on the official test fixtures.

    .venv/bin/python bench/conformance.py PATH_TO_DBML_CHECKOUT [--list] [--json FILE]

The language brief (§1) makes the test fixtures of holistics/dbml the conformance suite: a
file the official parser accepts must be accepted by dbmt, one it rejects must be rejected.
This tool
  1. finds the `.dbml` fixtures under PATH/packages/*/__tests__ (minus the outputs of
     `sql2dbml` / `db2dbml`, which are generated from SQL and not DBML test inputs);
  2. groups them into units: a file on its own, or the files of a folder that `use`/`reuse`
     one another (dbml-cli's multi-file fixtures), one project;
  3. classifies each file with the official tools (verdicts.official): @dbml/parse 10.2, the
     verdict dbmt follows, and @dbml/core 10.2 for reference;
  4. checks each unit with dbmt the way a user does (verdicts.dbmt): copied alone into its own
     folder, `dbmt-lsp --check .` there — syntax only (the parser's DBMT001 errors) and the
     full check (rejected: a diagnostic of severity error);
  5. prints a table (valid accepted, invalid rejected) and the mismatches with the official
     messages and dbmt's first errors (`--list` lists every mismatch, otherwise 40).

Fixture files are only read and copied to a temporary folder: nothing is written beside them
or committed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import verdicts

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
    official = verdicts.official(jobs)
    ours = verdicts.dbmt(jobs)
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
    core_differs = []
    for f in files:
        k = str(f)
        o, d = official.get(k), ours.get(k)
        if o is None or d is None:
            continue
        kind = "valid" if o["ok"] else "invalid"
        if o["ok"] != o["core_ok"]:
            core_differs.append((f.relative_to(checkout), o))
        r = rows[kind]
        r[0] += 1
        r[1] += d["syntax_ok"] == o["ok"]
        agrees = d["full_ok"] == o["ok"]
        r[2] += agrees
        if not agrees:
            mismatches[kind].append((f.relative_to(checkout), o, d))

    multi = sum(len(j) for j in jobs if len(j) > 1)
    print(f"DBML conformance: {len(files)} fixtures ({multi} in multi-file folders), official parser @dbml/parse 10.2.0\n")
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
    if core_differs:
        print(f"\n@dbml/core 10.2 disagrees with @dbml/parse on {len(core_differs)} (its Database model checks more):")
        for rel, o in core_differs:
            print(f"  {rel}: @dbml/parse {'accepts' if o['ok'] else 'rejects'}; @dbml/core: "
                  + ("accepts" if o["core_ok"] else "; ".join(o["core_msgs"][:2])))
    if args.json:
        args.json.write_text(json.dumps({str(f): {"official": official.get(str(f)), "dbmt": ours.get(str(f))}
                                         for f in files}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
