#!/usr/bin/env python3
"""A real-world DBML corpus: dbmt's verdict on each file against the official parser's.

    .venv/bin/python bench/corpus.py fill --mirrors DIR      # fill bench/corpus/files/
    .venv/bin/python bench/corpus.py check [--list] [--json FILE]

The files are other people's: they are not committed. `bench/corpus/manifest.tsv` (committed)
names each one — repository, path, commit and the SHA-1 of its content — and the folder
`bench/corpus/files/` (git-ignored) holds them, as `<owner>+<name>/<path>`.

- `fill` copies every file of the manifest out of local clones: `DIR/<owner>+<name>` is a git
  repository (or holds one as `repo/` or `repo/.git`), and the file is `git show
  <commit>:<path>` there, checked against its SHA-1. Nothing is downloaded.
- `check` takes each file alone, copied into a folder of its own, and compares dbmt's verdict
  (`dbmt-lsp --check .` there: rejected when a diagnostic has severity error) with the
  official one (@dbml/parse 10.2, the compiler dbmt follows; @dbml/core 10.2 is shown beside
  it), then prints the agreement and every disagreement with both sides' first messages. A
  file missing from the folder is counted and named, not skipped in silence.

The check is a bench/ command, not a test: CI has no copy of the files. Every class of
disagreement it finds gets a small fixture of our own under tests/fixtures/dbml/.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import verdicts

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
MANIFEST = CORPUS / "manifest.tsv"
FILES = CORPUS / "files"
FIELDS = ("repo", "path", "commit", "sha1")


def read_manifest() -> list[dict]:
    with MANIFEST.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    for r in rows:
        if set(r) != set(FIELDS) or not all(r[k] for k in FIELDS):
            sys.exit(f"corpus: bad manifest row {r}")
    return rows


def local_path(row: dict, folder: Path = FILES) -> Path:
    return folder / row["repo"].replace("/", "+") / row["path"]


def sha1(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def _git_dir(d: Path) -> Path | None:
    for cand in (d, d / "repo", d / "repo" / ".git", d / ".git"):
        if (cand / "HEAD").is_file() and (cand / "objects").is_dir():
            return cand
    return None


def fill(mirrors: Path) -> int:
    rows = read_manifest()
    done = bad = 0
    for r in rows:
        git = _git_dir(mirrors / r["repo"].replace("/", "+"))
        if git is None:
            print(f"  missing clone: {r['repo']}", file=sys.stderr)
            bad += 1
            continue
        res = subprocess.run(["git", "--git-dir", str(git), "show", f"{r['commit']}:{r['path']}"],
                             capture_output=True)
        if res.returncode != 0 or sha1(res.stdout) != r["sha1"]:
            print(f"  cannot get {r['repo']} {r['path']} at {r['commit'][:12]}: "
                  + (res.stderr.decode(errors="replace").strip() or "content differs"), file=sys.stderr)
            bad += 1
            continue
        dest = local_path(r)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(res.stdout)
        done += 1
    print(f"corpus: {done} files written to {FILES}, {bad} failed")
    return 1 if bad else 0


def check(folder: Path, show_all: bool, json_out: Path | None) -> int:
    rows = read_manifest()
    present, missing = [], []
    for r in rows:
        p = local_path(r, folder)
        if p.is_file() and sha1(p.read_bytes()) == r["sha1"]:
            present.append((r, p.resolve()))
        else:
            missing.append(r)
    jobs = [[p] for _, p in present]
    official = verdicts.official(jobs)
    ours = verdicts.dbmt(jobs)
    agree = {"valid": [0, 0], "invalid": [0, 0]}  # kind → [files, agreeing]
    disagreements = []
    core_differs = []
    warned = 0
    for r, p in present:
        o, d = official[str(p)], ours[str(p)]
        kind = "valid" if o["ok"] else "invalid"
        agree[kind][0] += 1
        ok = d["full_ok"] == o["ok"]
        agree[kind][1] += ok
        warned += bool(d["warnings"]) and d["full_ok"]
        if not ok:
            disagreements.append((r, o, d))
        if o["ok"] != o["core_ok"]:
            core_differs.append((r, o))
    total = len(present)
    print(f"Real-world DBML corpus: {len(rows)} files from {len({r['repo'] for r in rows})} repositories "
          f"(manifest bench/corpus/manifest.tsv); {total} present in {folder}"
          + (f", {len(missing)} missing" if missing else "") + "\n")
    print("| official verdict (@dbml/parse 10.2) | files | dbmt agrees |")
    print("|---|---:|---:|")
    for kind, title in (("valid", "accepted"), ("invalid", "rejected")):
        n, a = agree[kind]
        print(f"| {title} | {n} | {a}/{n} |")
    n_agree = agree["valid"][1] + agree["invalid"][1]
    print(f"| all | {total} | {n_agree}/{total} |")
    print(f"\nAccepted files on which dbmt gives warnings only: {warned}.")
    limit = None if show_all else 40
    if disagreements:
        print(f"\nDisagreements ({len(disagreements)}):")
        for r, o, d in disagreements[:limit]:
            print(f"  {r['repo']} {r['path']}: official {'accepts' if o['ok'] else 'rejects'}, "
                  f"dbmt {'accepts' if d['full_ok'] else 'rejects'}")
            for m in (d["errors"][:2] if o["ok"] else o["msgs"][:2]):
                print(f"      {'dbmt' if o['ok'] else 'official'}: {m}")
        if limit is not None and len(disagreements) > limit:
            print(f"  … {len(disagreements) - limit} more (--list)")
    if core_differs:
        print(f"\n@dbml/core 10.2 disagrees with @dbml/parse on {len(core_differs)}:")
        for r, o in core_differs:
            print(f"  {r['repo']} {r['path']}: @dbml/core " + ("accepts" if o["core_ok"] else "; ".join(o["core_msgs"][:2])))
    for r in missing:
        print(f"  missing (run `corpus.py fill`): {r['repo']} {r['path']}")
    if json_out:
        json_out.write_text(json.dumps([{**r, "official": official.get(str(p)), "dbmt": ours.get(str(p))}
                                        for r, p in present], indent=1))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fill", help="copy the manifest's files out of local git clones")
    f.add_argument("--mirrors", type=Path, required=True, help="folder of clones named <owner>+<name>")
    c = sub.add_parser("check", help="compare dbmt's verdicts with the official parser's")
    c.add_argument("--folder", type=Path, default=FILES, help=f"where the files are (default {FILES})")
    c.add_argument("--list", action="store_true", help="list every disagreement")
    c.add_argument("--json", type=Path, help="also write the per-file results here")
    args = ap.parse_args(argv)
    if args.cmd == "fill":
        return fill(args.mirrors)
    return check(args.folder.resolve(), args.list, args.json)


if __name__ == "__main__":
    sys.exit(main())
