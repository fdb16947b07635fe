"""Reads fixtures with inline expectations and compares them with what the engine reports.

A fixture is a `.dbmt`/`.dbml` file, or a folder of them (a multi-file workspace). A comment
`// expect: DBMT301` (several codes: `// expect: DBMT301 DBMT306`) says the diagnostics that
must start on that line; every other line must have none. `// expect-silent` files are
fixtures that must produce nothing at all (the same as no expect lines, stated for readers).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from dbmt.workspace import Workspace
from dbmt.workspace.config import Config, load_config

EXPECT_RE = re.compile(r"//\s*expect:\s*((?:DBMT\d{3}[ ,]*)+)")
FIXTURES = Path(__file__).parent / "fixtures"


def fixture_cases() -> list[Path]:
    cases = []
    for family in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        for item in sorted(family.iterdir()):
            if item.is_dir() or item.suffix in (".dbmt", ".dbml"):
                cases.append(item)
    return cases


def run_case(case: Path) -> tuple[Counter, Counter, Workspace]:
    if case.is_dir():
        config = load_config(case, case / "dbmt.toml" if (case / "dbmt.toml").is_file() else None)
        ws = Workspace.open(case, config=config)
        base = case.resolve()
    else:
        config = Config(root=case.parent.resolve())
        ws = Workspace.open(case.parent, config=config, paths=[str(case.resolve())])
        base = case.parent.resolve()
    exp: Counter = Counter()
    for f in sorted(Path(p) for p in ws.files):
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
            m = EXPECT_RE.search(line)
            if m:
                for code in re.findall(r"DBMT\d{3}", m.group(1)):
                    exp[(str(f.relative_to(base)), i + 1, code)] += 1
    got: Counter = Counter()
    for p, diags in ws.all_diagnostics().items():
        lines = ws.files[p].model.parsed.lines
        for d in diags:
            got[(str(Path(p).relative_to(base)), lines.line_col(d.start)[0] + 1, d.code)] += 1
    return exp, got, ws


def describe_mismatch(exp: Counter, got: Counter, ws: Workspace) -> str:
    lines = []
    for k in sorted(set(exp) | set(got)):
        if exp[k] != got[k]:
            lines.append(f"  {k[0]}:{k[1]} {k[2]}: expected {exp[k]}, got {got[k]}")
    msgs = []
    for p, diags in ws.all_diagnostics().items():
        li = ws.files[p].model.parsed.lines
        for d in diags:
            msgs.append(f"    {Path(p).name}:{li.line_col(d.start)[0] + 1}: {d.code} {d.message}")
    return "\n".join(lines) + "\n  reported:\n" + "\n".join(msgs)
