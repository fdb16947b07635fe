"""The formatter on the official DBML parser's own test fixtures (any checkout of
github.com/holistics/dbml; nothing is copied): every `.dbml` file under packages/*/__tests__.

For each file: formatting twice gives what formatting once gave (idempotent); the re-parsed model
equals the original's (names, settings, marks, notes, values, comments: format.same_meaning);
elements with syntax errors are left as written; no element needed the safety net. For the files
@dbml/core 10.2.0 accepts (parsed alone, `dbmlv2`): the formatted file is accepted too and exports
the same PostgreSQL and MySQL (tests/node/dbml_export.mjs; `bash scripts/test-deps.sh` installs it).

    .venv/bin/python bench/format_conformance.py /tmp/dbml [--list]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "server"))

from dbmt.format import format_file, format_text, same_meaning  # noqa: E402
from dbmt.syntax import parse_text  # noqa: E402


def fixtures(checkout: Path) -> list[Path]:
    return sorted(p for p in (checkout / "packages").glob("*/__tests__/**/*.dbml") if p.is_file())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkout", type=Path)
    ap.add_argument("--list", action="store_true", help="name every file that fails a property")
    args = ap.parse_args(argv)
    files = fixtures(args.checkout)
    if not files:
        print(f"no .dbml fixtures under {args.checkout}/packages/*/__tests__", file=sys.stderr)
        return 2
    counts = dict(files=0, changed=0, idempotent=0, same_model=0, errors_untouched=0, kept=0, fallbacks=0)
    failures: list[str] = []
    jobs = []
    for p in files:
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        counts["files"] += 1
        res = format_file(text, True)
        again = format_text(res.text, True)
        ok = [again == res.text, same_meaning(text, res.text),
              all(text[c.start:c.end].rstrip() in res.text for c in parse_text(text).chunks if c.errors)]
        for key, good in zip(("idempotent", "same_model", "errors_untouched"), ok):
            counts[key] += good
            if not good:
                failures.append(f"{key}: {p}")
        counts["changed"] += res.text != text
        counts["kept"] += res.kept
        counts["fallbacks"] += res.fallbacks
        rel = str(p.relative_to(args.checkout))
        jobs += [{"name": f"{rel}|before", "text": text}, {"name": f"{rel}|after", "text": res.text}]
    print(json.dumps(counts))
    node_dir = REPO / "tests" / "node"
    if not (node_dir / "node_modules" / "@dbml" / "core").is_dir():
        print("@dbml/core is not installed (bash scripts/test-deps.sh): official parser comparison skipped")
    else:
        proc = subprocess.run(["node", str(node_dir / "dbml_export.mjs")], input=json.dumps(jobs), capture_output=True,
                              text=True, cwd=node_dir)
        if proc.returncode != 0:
            print(proc.stderr[-2000:], file=sys.stderr)
            return 2
        res = json.loads(proc.stdout)
        valid = accepted = same_sql = 0
        for j in jobs[::2]:
            rel = j["name"].rsplit("|", 1)[0]
            before, after = res[f"{rel}|before"], res[f"{rel}|after"]
            if not before["ok"]:
                continue
            valid += 1
            if not after["ok"]:
                failures.append(f"rejected after formatting: {rel}: {after['errors'][:1]}")
                continue
            accepted += 1
            if (before["postgres"], before["mysql"]) == (after["postgres"], after["mysql"]):
                same_sql += 1
            else:
                failures.append(f"other SQL after formatting: {rel}")
        print(json.dumps({"accepted_by_dbml_core": valid, "still_accepted": accepted, "same_sql": same_sql}))
    if args.list:
        print("\n".join(failures))
    return 1 if failures or counts["fallbacks"] else 0


if __name__ == "__main__":
    sys.exit(main())
