#!/usr/bin/env python3
"""The dbmt benchmark harness (issue 4): dbmt side by side with the official DBML compiler.

    .venv/bin/python bench/run.py [--quick] [--assert] [--only NAME[,NAME…]] [--runs N]

It installs the anchor (`npm ci` in bench/ when bench/node_modules is missing), generates the
workspaces it needs into bench/out/ (cached by parameters and generator version), measures,
and prints ONE markdown table: a row per measure with the dbmt figure, the anchor figure, their
ratio, the target and whether it is met. The same table, with the machine it ran on, goes to
bench/out/last-run.md.

Measures (NAME for --only):
  anchor       the plain DBML of every size is accepted by @dbml/parse (0 errors)
  cold         `dbmt-lsp --check --no-cache` vs `node bench/anchor.mjs` on 2,000 tables
               (whole process: wall time and peak RSS); target >= 3x faster, RSS <= 250 MB
  warm         `dbmt-lsp --check` with the content cache, unchanged workspace: <= 0.3 s
  incremental  in-process: replace one file's text and read the updated diagnostics of every
               re-checked file, 200 edits, 200-file / 2,000-table workspace: p95 <= 30 ms
  single       the same in one 2 MB file: p95 <= 250 ms
  rename       an edit renaming an enum variant that other files use: p95 <= 30 ms, every
               file using it re-checked, no unrelated file re-checked, no stale diagnostics
  lookups      definition_at / visible_names at real positions: p95 <= 5 ms
  constraints  bench/constraints_bench.py, when it exists (written separately)
  scaling      cold check at 200 / 2,000 / 20,000 tables (--quick: no 20,000): fitted slope
               of time and RSS, and per-table time at the largest vs the smallest size

Every process comparison alternates the two commands (A B A B …) and takes medians of
--runs runs (default 5, --quick 3). Wall time is measured around the child process, peak RSS
is the child's ru_maxrss from os.wait4 (for a child that forks workers this is the largest
single process of the tree, not their sum). The in-process measures run in a child Python
process (run.py --engine-child) that imports the engine API:

    from dbmt.workspace import Workspace
    ws = Workspace.open(root, use_cache=False); ws.all_diagnostics(); ws.update_file(path, text)
    ws.diagnostics_for(path); ws.definition_at(path, offset); ws.visible_names(path, offset)

With --assert the exit status is 1 when any target is missed or could not be measured.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
OUT = BENCH / "out"
SEED = 1
MAIN = (2000, 200)          # tables, files: the 200-file / 2,000-table workspace
SCALING = [(200, 20), (2000, 200), (20000, 2000)]
MEASURES = ["anchor", "cold", "warm", "incremental", "single", "rename", "lookups",
            "constraints", "scaling"]
TIMEOUT = 1800              # seconds, for one process run

TARGETS = {
    "cold_ratio": 5.0, "cold_rss_mb": 150.0, "rss_20000_mb": 600.0, "warm_s": 0.3, "incremental_p95_ms": 30.0,
    "single_p95_ms": 250.0, "rename_p95_ms": 30.0, "lookup_p95_ms": 5.0, "linearity": 1.5,
}


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- rows

@dataclass
class Row:
    name: str
    dbmt: str = ""
    anchor: str = ""
    ratio: str = ""
    target: str = ""
    met: str = "info"       # yes | no | n/a | info
    note: str = ""


def fmt_s(s: float) -> str:
    if s >= 10:
        return f"{s:.1f} s"
    if s >= 1:
        return f"{s:.2f} s"
    return f"{s * 1000:.0f} ms" if s >= 0.01 else f"{s * 1000:.2f} ms"


def fmt_ms(ms: float) -> str:
    return f"{ms:.1f} ms" if ms >= 1 else f"{ms:.2f} ms"


def fmt_mb(b: float) -> str:
    return f"{b / 2**20:.0f} MB"


def pct(xs: list[float], p: float) -> float:
    """Percentile by linear interpolation (p in 0..100)."""
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def yes(ok: bool) -> str:
    return "yes" if ok else "no"


# --------------------------------------------------------------------------- set-up

def ensure_anchor() -> str | None:
    """Install @dbml/parse into bench/node_modules if missing. Returns an error or None."""
    if shutil.which("node") is None:
        return "node is not installed"
    if (BENCH / "node_modules" / "@dbml" / "parse" / "package.json").is_file():
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    cmd = [npm, "ci"] if (BENCH / "package-lock.json").is_file() else [npm, "install"]
    log(f"installing the anchor: {' '.join(cmd)} (in bench/)")
    r = subprocess.run(cmd + ["--no-audit", "--no-fund"], cwd=BENCH, capture_output=True, text=True)
    if r.returncode != 0:
        return f"`{' '.join(cmd)}` failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}"
    return None


def generator_key() -> str:
    return hashlib.sha256((BENCH / "generate.py").read_bytes()).hexdigest()[:16]


def load_generator():
    name = "dbmt_bench_generate"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod          # dataclasses look their module up while the class is built
    spec.loader.exec_module(mod)
    return mod


GEN_TIMES: dict[str, float] = {}


def workspace(tables: int, files: int, single: bool = False) -> Path:
    """The generated workspace for these parameters, generated unless cached."""
    name = f"ws-t{tables}-f{files}-s{SEED}" + ("-single" if single else "")
    ws = OUT / name
    stamp = OUT / (name + ".stamp")
    key = generator_key()
    if ws.is_dir() and stamp.is_file() and stamp.read_text() == key \
            and (OUT / (name + ".plain") / "all.dbml").is_file():
        return ws
    OUT.mkdir(parents=True, exist_ok=True)
    log(f"generating {name} …")
    # In a process of its own: peak RSS is read from wait4, and a child forked from a big
    # harness starts with the harness's pages (a 20,000-table generation left it at 240 MB).
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(BENCH / "generate.py"), "--tables", str(tables), "--files", str(files),
                    "--seed", str(SEED), "--out", str(ws)] + (["--single-file"] if single else []),
                   check=True, stdout=subprocess.DEVNULL)
    GEN_TIMES[name] = time.perf_counter() - t0
    stamp.write_text(key)
    return ws


def manifest(ws: Path) -> dict:
    return json.loads(Path(str(ws) + ".manifest.json").read_text())


def compile_bytecode() -> None:
    """Write the bytecode of the dbmt being measured, as `pip install .` (the README's install)
    does. From a development install (`pip install -e`) with PYTHONDONTWRITEBYTECODE set, as on
    these machines, every run would otherwise compile dbmt's modules from source again
    (~0.1 s of every whole-process run: 0.27 → 0.18 s for examples/, 1.63 → 1.51 s for the 1.9 MB
    file, alternating, 2026-12-03), which no installed copy does.
    Python still checks each file's time stamp: a changed source is compiled again."""
    import compileall

    spec = importlib.util.find_spec("dbmt")
    if spec is None or not spec.submodule_search_locations:
        return
    for where in spec.submodule_search_locations:
        compileall.compile_dir(where, quiet=1, workers=1)


def dbmt_cli() -> str | None:
    cand = Path(sys.executable).parent / "dbmt-lsp"
    if cand.is_file():
        return str(cand)
    return shutil.which("dbmt-lsp")


# --------------------------------------------------------------------------- processes

@dataclass
class Sample:
    wall: float
    rss: int                 # bytes
    rc: int
    out: str                 # tail of stdout
    err: str                 # tail of stderr


def run_process(cmd: list[str], cwd: Path = OUT, timeout: float = TIMEOUT) -> Sample:
    """Run one command; wall time around it, peak RSS from os.wait4."""
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL)
        timed_out = False
        try:
            pid, status, ru = _wait4_timeout(p, timeout)
        except _Expired as e:
            timed_out = True
            pid, status, ru = e.result
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        rc = -999 if timed_out else p.returncode
        fo.seek(0)
        fe.seek(0)
        out = fo.read()[-4000:].decode("utf-8", "replace")
        err = fe.read()[-4000:].decode("utf-8", "replace")
    rss = ru.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    return Sample(wall, rss, rc, out, err)


def _wait4_timeout(p: subprocess.Popen, timeout: float):
    """os.wait4(pid, 0), giving up after `timeout` seconds (raises TimeoutError).

    A timer thread kills nothing itself; it only lets us stop waiting: the blocking wait4 is
    what makes the wall time exact (no polling granularity)."""
    import threading
    fired = threading.Event()

    def expire():
        fired.set()
        try:
            p.kill()          # wakes the blocking wait4 below
        except ProcessLookupError:
            pass
    timer = threading.Timer(timeout, expire)
    timer.start()
    try:
        pid, status, ru = os.wait4(p.pid, 0)
    finally:
        timer.cancel()
    if fired.is_set():
        raise _Expired(pid, status, ru)
    return pid, status, ru


class _Expired(TimeoutError):
    def __init__(self, pid, status, ru):
        super().__init__("timed out")
        self.result = (pid, status, ru)


def alternate(cmds: list[list[str]], runs: int, ok_rc=(0, 1)) -> list[list[Sample]] | str:
    """Run the commands in turn (A B A B …), `runs` rounds. Returns samples or an error."""
    samples: list[list[Sample]] = [[] for _ in cmds]
    for r in range(runs):
        for i, cmd in enumerate(cmds):
            s = run_process(cmd)
            if s.rc == -999:
                return f"`{' '.join(Path(c).name if '/' in c else c for c in cmd[:2])}` timed out after {TIMEOUT} s"
            if "Traceback (most recent call last)" in s.err:
                tail = s.err.strip().splitlines()[-1]
                return f"`{Path(cmd[0]).name} {' '.join(cmd[1:2])}` crashed (exit {s.rc}): {tail[:160]}"
            if s.rc not in ok_rc:
                tail = (s.err or s.out).strip().splitlines()[-1:] or ["(no output)"]
                return f"`{Path(cmd[0]).name} {' '.join(cmd[1:2])}` exited {s.rc}: {tail[0][:160]}"
            samples[i].append(s)
        log(f"  round {r + 1}/{runs}: " + ", ".join(fmt_s(samples[i][-1].wall) for i in range(len(cmds))))
    return samples


def med_wall(ss: list[Sample]) -> float:
    return statistics.median(s.wall for s in ss)


def med_rss(ss: list[Sample]) -> float:
    return statistics.median(s.rss for s in ss)


def anchor_errors(s: Sample) -> int | None:
    m = re.search(r"errors (\d+)", s.out)
    return int(m.group(1)) if m else None


# --------------------------------------------------------------------------- harness

class Harness:
    def __init__(self, args):
        self.args = args
        self.runs = args.runs or (3 if args.quick else 5)
        self.rows: list[Row] = []
        self.anchor_problem = ensure_anchor()
        self.cli = dbmt_cli()
        self.cold_cache: dict[str, tuple] = {}   # workspace name -> (dbmt samples | error, anchor samples | error)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        log(f"row: {row.name} | {row.dbmt} | {row.anchor} | {row.ratio} | {row.target} | {row.met} {row.note}")

    def anchor_cmd(self, ws: Path) -> list[str]:
        return ["node", str(BENCH / "anchor.mjs"), str(ws) + ".plain/all.dbml"]

    def dbmt_cmd(self, ws: Path, cache: bool = False) -> list[str]:
        return [self.cli, "--check"] + ([] if cache else ["--no-cache"]) + [str(ws)]

    # -- cold runs, shared by `cold` and `scaling`
    def cold(self, tables: int, files: int, single: bool = False):
        ws = workspace(tables, files, single)
        key = ws.name
        if key in self.cold_cache:
            return ws, self.cold_cache[key]
        log(f"cold check vs anchor on {ws.name} ({self.runs} rounds)")
        cmds, which = [], []
        if self.cli:
            cmds.append(self.dbmt_cmd(ws))
            which.append("dbmt")
        if not self.anchor_problem:
            cmds.append(self.anchor_cmd(ws))
            which.append("anchor")
        d = None if self.cli else "dbmt-lsp not found"
        a = self.anchor_problem
        if cmds:
            res = alternate(cmds, self.runs)
            if isinstance(res, str):
                # one of them failed: run each alone, to tell which
                if self.cli:
                    r1 = alternate([self.dbmt_cmd(ws)], self.runs)
                    d = r1 if isinstance(r1, str) else r1[0]
                if not self.anchor_problem:
                    r2 = alternate([self.anchor_cmd(ws)], self.runs)
                    a = r2 if isinstance(r2, str) else r2[0]
            else:
                got = dict(zip(which, res))
                d = got.get("dbmt", d)
                a = got.get("anchor", a)
        self.cold_cache[key] = (d, a)
        return ws, (d, a)

    # -- measures
    def m_anchor(self) -> None:
        if self.anchor_problem:
            self.add(Row("plain DBML accepted by @dbml/parse", target="0 errors", met="n/a",
                         note=self.anchor_problem))
            return
        sizes = SCALING if not self.args.quick else SCALING[:2]
        figures, ok = [], True
        for tables, files in sizes:
            ws = workspace(tables, files)
            s = run_process(self.anchor_cmd(ws))
            n = anchor_errors(s)
            ok = ok and n == 0
            figures.append(f"{tables:,}: {n if n is not None else 'exit ' + str(s.rc)}")
        self.add(Row("plain DBML accepted by @dbml/parse (errors per size)", anchor="; ".join(figures),
                     target="0 errors", met=yes(ok)))

    def m_cold(self) -> None:
        self.cold_rows(False)
        self.cold_rows(True)

    def cold_rows(self, single: bool) -> None:
        ws, (d, a) = self.cold(*MAIN, single)
        m = manifest(ws)
        if single:
            size = f"{MAIN[0]:,} tables in one {m['bytes'] / 1e6:.2f} MB file"
            label = "1b."
        else:
            size = f"{MAIN[0]:,} tables, {MAIN[1]} files, {m['bytes'] / 1e6:.1f} MB"
            label = "1."
        name = f"{label} cold `--check --no-cache` vs anchor ({size}), median wall"
        if isinstance(a, list):
            errs = {anchor_errors(s) for s in a}
            anote = "" if errs == {0} else f"anchor reported errors: {sorted(errs, key=str)}"
        else:
            anote = f"anchor: {a}"
        if not isinstance(d, list):
            self.add(Row(name, dbmt="n/a", anchor=fmt_s(med_wall(a)) if isinstance(a, list) else "n/a",
                         target=f">= {TARGETS['cold_ratio']:g}x faster", met="n/a",
                         note="; ".join(x for x in (f"dbmt: {d}", anote) if x)))
            self.add(Row(f"{label} cold `--check` peak RSS", dbmt="n/a",
                         anchor=fmt_mb(med_rss(a)) if isinstance(a, list) else "n/a",
                         target=f"<= {TARGETS['cold_rss_mb']:g} MB", met="n/a"))
            return
        rcs = sorted({s.rc for s in d})
        dnote = "" if rcs == [0] else f"dbmt reported findings on a clean workspace (exit {rcs})"
        dw = med_wall(d)
        if isinstance(a, list):
            aw = med_wall(a)
            ratio = aw / dw
            self.add(Row(name, dbmt=fmt_s(dw), anchor=fmt_s(aw), ratio=f"{ratio:.2f}x",
                         target=f">= {TARGETS['cold_ratio']:g}x faster",
                         met=yes(ratio >= TARGETS["cold_ratio"] and not dnote),
                         note="; ".join(x for x in (dnote, anote) if x)))
        else:
            self.add(Row(name, dbmt=fmt_s(dw), anchor="n/a", target=f">= {TARGETS['cold_ratio']:g}x faster",
                         met="n/a", note=anote))
        dr = med_rss(d)
        self.add(Row(f"{label} cold `--check` peak RSS (median of ru_maxrss)", dbmt=fmt_mb(dr),
                     anchor=fmt_mb(med_rss(a)) if isinstance(a, list) else "n/a",
                     ratio=f"{med_rss(a) / dr:.1f}x" if isinstance(a, list) else "",
                     target=f"<= {TARGETS['cold_rss_mb']:g} MB",
                     met=yes(dr / 2**20 <= TARGETS["cold_rss_mb"])))

    def m_warm(self) -> None:
        name = f"2. warm `--check` (content cache, unchanged workspace, {MAIN[0]:,} tables)"
        target = f"<= {TARGETS['warm_s']:g} s"
        if not self.cli:
            self.add(Row(name, dbmt="n/a", target=target, met="n/a", note="dbmt-lsp not found"))
            return
        ws = workspace(*MAIN)
        log(f"warm check on {ws.name}")
        fill = run_process(self.dbmt_cmd(ws, cache=True))   # fills the cache (not timed)
        if fill.rc not in (0, 1):
            self.add(Row(name, dbmt="n/a", target=target, met="n/a",
                         note=f"exit {fill.rc}: {(fill.err or fill.out).strip()[-160:]}"))
            return
        res = alternate([self.dbmt_cmd(ws, cache=True)], self.runs)
        if isinstance(res, str):
            self.add(Row(name, dbmt="n/a", target=target, met="n/a", note=res))
            return
        w = med_wall(res[0])
        cold = self.cold_cache.get(ws.name, (None, None))[0]
        ratio = f"{med_wall(cold) / w:.0f}x vs cold" if isinstance(cold, list) else ""
        self.add(Row(name, dbmt=f"{fmt_s(w)}, {fmt_mb(med_rss(res[0]))}", ratio=ratio, target=target,
                     met=yes(w <= TARGETS["warm_s"])))

    def engine_child(self, task: dict) -> dict:
        """Run in-process measures in a fresh Python process; returns its JSON result."""
        cmd = [sys.executable, str(Path(__file__).resolve()), "--engine-child", json.dumps(task)]
        r = subprocess.run(cmd, cwd=OUT, capture_output=True, text=True, timeout=TIMEOUT)
        lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
        if r.returncode != 0 or not lines:
            tail = (r.stderr.strip().splitlines() or ["(no output)"])[-1]
            return {"error": f"engine child exited {r.returncode}: {tail[:200]}"}
        return json.loads(lines[-1])

    def m_engine(self, which: set[str]) -> None:
        n_edits = 60 if self.args.quick else 200
        res_main = None
        main_tasks = [t for t in ("incremental", "rename", "lookups") if t in which]
        if main_tasks:
            ws = workspace(*MAIN)
            log(f"in-process engine measures on {ws.name}: {', '.join(main_tasks)}")
            res_main = self.engine_child({"ws": str(ws), "tasks": main_tasks, "edits": n_edits, "seed": SEED})
        if "incremental" in which:
            self.engine_row(res_main, "incremental",
                            f"3. incremental edit, {MAIN[1]} files / {MAIN[0]:,} tables ({n_edits} edits)",
                            TARGETS["incremental_p95_ms"])
        if "single" in which:
            ws = workspace(MAIN[0], MAIN[1], single=True)
            log(f"in-process engine measures on {ws.name}: incremental")
            res = self.engine_child({"ws": str(ws), "tasks": ["incremental"], "edits": n_edits, "seed": SEED})
            m = manifest(ws)
            self.engine_row(res, "incremental",
                            f"3. incremental edit, one {m['bytes'] / 1e6:.1f} MB file ({n_edits} edits)",
                            TARGETS["single_p95_ms"])
        if "rename" in which:
            self.rename_row(res_main, n_edits)
        if "lookups" in which:
            for key, label in (("definition", "definition_at"), ("visible", "visible_names")):
                name = f"4. lookup `{label}` ({MAIN[0]:,}-table workspace)"
                target = f"p95 <= {TARGETS['lookup_p95_ms']:g} ms"
                r = (res_main or {}).get("lookups") if res_main and "error" not in res_main else None
                if not r or "error" in r:
                    err = (r or {}).get("error") or (res_main or {}).get("error", "not run")
                    self.add(Row(name, dbmt="n/a", target=target, met="n/a", note=err))
                    continue
                s = r[key]
                extra = (f"{s['resolved']}/{s['n']} resolved" if key == "definition"
                         else f"{s['avg_names']:.0f} names on average")
                self.add(Row(name, dbmt=f"p50 {fmt_ms(s['p50'])}, p95 {fmt_ms(s['p95'])}",
                             target=target, met=yes(s["p95"] <= TARGETS["lookup_p95_ms"]), note=extra))

    def engine_row(self, res: dict | None, key: str, name: str, target_ms: float) -> None:
        target = f"p95 <= {target_ms:g} ms"
        r = res.get(key) if res and "error" not in res else None
        if not r or "error" in r:
            err = (r or {}).get("error") or (res or {}).get("error", "not run")
            self.add(Row(name, dbmt="n/a", target=target, met="n/a", note=err))
            return
        notes = [f"open {fmt_s(res['open_s'])}", f"re-checked {r['rechecked_avg']:.1f} files/edit",
                 f"slowest kind: {r['slowest_kind']} (p95 {fmt_ms(r['slowest_kind_p95'])})"]
        if r["n"] < r["asked"]:
            notes.append(f"stopped after {r['n']} of {r['asked']} edits ({EDIT_BUDGET_S} s budget)")
        if res.get("initial_errors"):
            notes.append(f"workspace not clean: {res['initial_errors']} error diagnostics")
        if not r["restored"]:
            notes.append("diagnostics differ after all edits were reverted")
        self.add(Row(name, dbmt=f"p50 {fmt_ms(r['p50'])}, p95 {fmt_ms(r['p95'])}", target=target,
                     met=yes(r["p95"] <= target_ms and r["restored"]), note="; ".join(notes)))

    def rename_row(self, res: dict | None, n_edits: int) -> None:
        name = f"3. rename an enum variant other files use ({n_edits} edits)"
        target = (f"p95 <= {TARGETS['rename_p95_ms']:g} ms; users re-checked, unrelated files not")
        r = res.get("rename") if res and "error" not in res else None
        if not r or "error" in r:
            err = (r or {}).get("error") or (res or {}).get("error", "not run")
            self.add(Row(name, dbmt="n/a", target=target, met="n/a", note=err))
            return
        ok = (r["p95"] <= TARGETS["rename_p95_ms"] and r["missed_users"] == 0
              and r["unrelated"] == 0 and r["stale"] == 0)
        stop = f"stopped after {r['n']} of {n_edits} edits ({EDIT_BUDGET_S} s budget); " if r["n"] < n_edits else ""
        note = stop + (f"re-checked {r['rechecked_avg']:.1f} files/edit (the variant's {r['users_avg']:.1f} user files "
                f"+ its own; {r['importers_avg']:.1f} files import the enum); users missed: {r['missed_users']}, "
                f"unrelated re-checked: {r['unrelated']}, stale user diagnostics: {r['stale']}")
        self.add(Row(name, dbmt=f"p50 {fmt_ms(r['p50'])}, p95 {fmt_ms(r['p95'])}", target=target,
                     met=yes(ok), note=note))

    def m_constraints(self) -> None:
        path = BENCH / "constraints_bench.py"
        if not path.is_file():
            self.add(Row("5. constraint analysis (64 variants, 100 marks)", dbmt="n/a",
                         target="human <= 50 ms, random <= 250 ms, exact counts", met="n/a",
                         note="bench/constraints_bench.py does not exist yet: row skipped"))
            return
        res = self.engine_child({"constraints": str(path), "quick": bool(self.args.quick)})
        if "error" in res:
            self.add(Row("5. constraint analysis", dbmt="n/a", met="n/a", note=res["error"]))
            return
        for r in res["rows"]:
            self.add(Row(**{k: str(v) for k, v in r.items() if k in Row.__dataclass_fields__}))

    def m_scaling(self) -> None:
        sizes = SCALING if not self.args.quick else SCALING[:2]
        pts_d, pts_a = [], []      # (tables, wall, rss)
        for tables, files in sizes:
            ws, (d, a) = self.cold(tables, files)
            name = f"6. scaling: cold check, {tables:,} tables ({files} files)"
            df = f"{fmt_s(med_wall(d))}, {fmt_mb(med_rss(d))}" if isinstance(d, list) else "n/a"
            af = f"{fmt_s(med_wall(a))}, {fmt_mb(med_rss(a))}" if isinstance(a, list) else "n/a"
            ratio = f"{med_wall(a) / med_wall(d):.2f}x" if isinstance(d, list) and isinstance(a, list) else ""
            notes = [x for x in (d if isinstance(d, str) else "", a if isinstance(a, str) else "") if x]
            target, met = "", "info"
            if tables == 20000:  # issue 10: the CLI's peak RSS at 20,000 tables
                target = f"RSS <= {TARGETS['rss_20000_mb']:g} MB"
                met = yes(med_rss(d) / 2**20 <= TARGETS["rss_20000_mb"]) if isinstance(d, list) else "n/a"
            self.add(Row(name, dbmt=df, anchor=af, ratio=ratio, target=target, met=met, note="; ".join(notes)))
            if isinstance(d, list):
                pts_d.append((tables, med_wall(d), med_rss(d)))
            if isinstance(a, list):
                pts_a.append((tables, med_wall(a), med_rss(a)))

        def slope(pts, i):
            xs = [p[0] / 1000 for p in pts]
            ys = [p[i] for p in pts]
            mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
            sxx = sum((x - mx) ** 2 for x in xs)
            return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else float("nan")

        def lin(pts):
            (n0, t0, _), (n1, t1, _) = pts[0], pts[-1]
            return (t1 / n1) / (t0 / n0)

        def marginal(pts):
            return ", ".join(f"{pts[i][0]:,}->{pts[i + 1][0]:,}: "
                             f"{(pts[i + 1][1] - pts[i][1]) / ((pts[i + 1][0] - pts[i][0]) / 1000):.2f} s"
                             for i in range(len(pts) - 1))
        ok = len(pts_d) >= 2
        self.add(Row("6. scaling: least-squares slope of time (s per 1,000 tables)",
                     dbmt=f"{slope(pts_d, 1):.3f}" if ok else "n/a",
                     anchor=f"{slope(pts_a, 1):.3f}" if len(pts_a) >= 2 else "n/a",
                     ratio=f"{slope(pts_a, 1) / slope(pts_d, 1):.2f}x" if ok and len(pts_a) >= 2 else "",
                     met="info" if ok else "n/a",
                     note=(f"marginal dbmt {marginal(pts_d)}" if ok else "")))
        self.add(Row("6. scaling: least-squares slope of peak RSS (MB per 1,000 tables)",
                     dbmt=f"{slope(pts_d, 2) / 2**20:.1f}" if ok else "n/a",
                     anchor=f"{slope(pts_a, 2) / 2**20:.1f}" if len(pts_a) >= 2 else "n/a",
                     met="info" if ok else "n/a"))
        self.add(Row(f"6. scaling: linearity, per-table time at {sizes[-1][0]:,} / at {sizes[0][0]:,} tables",
                     dbmt=f"{lin(pts_d):.2f}" if ok else "n/a",
                     anchor=f"{lin(pts_a):.2f}" if len(pts_a) >= 2 else "n/a",
                     target=f"<= {TARGETS['linearity']:g}", met=yes(lin(pts_d) <= TARGETS["linearity"]) if ok else "n/a",
                     note="fixed start-up cost weighs most at the small end: < 1 is expected, > 1 means super-linear growth"))

    # -- driver
    def run(self, only: list[str]) -> int:
        OUT.mkdir(parents=True, exist_ok=True)
        sel = set(only or MEASURES)
        t0 = time.perf_counter()
        compile_bytecode()
        if "anchor" in sel:
            self.m_anchor()
        if "cold" in sel:
            self.m_cold()
        if "warm" in sel:
            self.m_warm()
        eng = sel & {"incremental", "single", "rename", "lookups"}
        if eng:
            self.m_engine(eng)
        if "constraints" in sel:
            self.m_constraints()
        if "scaling" in sel:
            self.m_scaling()
        table = self.render()
        header = machine_line() + f"; {self.runs} runs per comparison; {time.perf_counter() - t0:.0f} s in all"
        print(header + "\n")
        print(table)
        (OUT / "last-run.md").write_text(header + "\n\n" + table + "\n"
                                         + ("\nGenerator: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in GEN_TIMES.items()) + "\n"
                                            if GEN_TIMES else ""))
        if self.args.assert_targets:
            bad = [r for r in self.rows if r.met in ("no", "n/a")]
            if bad:
                for r in bad:
                    log(f"target {'missed' if r.met == 'no' else 'not measured'}: {r.name}")
                return 1
        return 0

    def render(self) -> str:
        head = ["measure", "dbmt", "anchor (@dbml/parse)", "ratio", "target", "met?"]
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
        for r in self.rows:
            name = r.name + (f" — {r.note}" if r.note else "")
            cells = [name, r.dbmt, r.anchor, r.ratio, r.target, r.met]
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        return "\n".join(lines)


def machine_line() -> str:
    def cmd(*c):
        try:
            return subprocess.run(c, capture_output=True, text=True, timeout=30).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"
    try:
        parse_v = json.loads((BENCH / "node_modules/@dbml/parse/package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        parse_v = "?"
    import resource
    harness = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (nproc {cmd('nproc')}), "
            f"load average at the end {load} (1 / 5 / 15 min), "
            f"Python {platform.python_version()}, node {cmd('node', '--version')}, "
            f"@dbml/parse {parse_v}, {time.strftime('%Y-%m-%d')}; harness peak RSS {fmt_mb(harness)} "
            f"(a forked child's peak RSS can be no lower)")


# --------------------------------------------------------------------------- engine child

DATA_NAMES = None


def child_main(spec: dict) -> dict:
    if "constraints" in spec:
        return child_constraints(spec)
    try:
        from dbmt.workspace import Workspace
    except Exception:
        sys.path.insert(0, str(REPO / "server"))
        try:
            from dbmt.workspace import Workspace
        except Exception as e:  # noqa: BLE001 - any import failure means "not available"
            return {"error": f"engine API not available: {type(e).__name__}: {e}"}
    for attr in ("open",):
        if not hasattr(Workspace, attr):
            return {"error": f"engine API not available: Workspace.{attr} missing"}
    ws_dir = Path(spec["ws"])
    man = json.loads(Path(str(ws_dir) + ".manifest.json").read_text())
    try:
        t0 = time.perf_counter()
        ws = Workspace.open(str(ws_dir), use_cache=False)
        open_s = time.perf_counter() - t0
        initial = ws.all_diagnostics()
    except Exception as e:  # noqa: BLE001
        return {"error": f"Workspace.open failed: {type(e).__name__}: {e}"}
    result = {"open_s": open_s, "initial_errors": count_errors(initial)}
    paths = {f: str((ws_dir / f).resolve()) for f in man["files"]}
    texts = {f: Path(p).read_text() for f, p in paths.items()}
    for task in spec["tasks"]:
        fn = {"incremental": child_incremental, "rename": child_rename, "lookups": child_lookups}[task]
        try:
            result[task] = fn(ws, man, paths, texts, spec)
        except Exception as e:  # noqa: BLE001
            import traceback
            tb = traceback.extract_tb(e.__traceback__)[-1]
            result[task] = {"error": f"{type(e).__name__}: {e} (at {Path(tb.filename).name}:{tb.lineno})"}
    return result


def is_error(d) -> bool:
    sev = getattr(d, "severity", None)
    s = str(getattr(sev, "name", sev)).lower()
    return s in ("error", "1", "diagnosticseverity.error")


def count_errors(diags: dict) -> int:
    return sum(1 for ds in diags.values() for d in ds if is_error(d))


def diag_fingerprint(ws) -> list:
    return sorted((Path(p).name, getattr(d, "code", ""), str(getattr(d, "message", "")))
                  for p, ds in ws.all_diagnostics().items() for d in ds)


_EDIT_SEQ = [0]


def make_edit(rng: random.Random, text: str, kind: str) -> str | None:
    """A realistic edit of one file's text, or None when the file offers no site for it."""
    global DATA_NAMES
    if DATA_NAMES is None:
        gen = load_generator()
        DATA_NAMES = {d[0] for d in gen.DATA_COLUMNS} - {"created_at", "updated_at"}
        DATA_NAMES = sorted(DATA_NAMES)
    _EDIT_SEQ[0] += 1
    k = _EDIT_SEQ[0]
    if kind == "insert_column":
        sites = [m.end() for m in re.finditer(r"^  id \S+ \[pk[^\n]*\n", text, re.M)]
        if not sites:
            return None
        at = rng.choice(sites)
        return text[:at] + f"  bench_added_{k} varchar(255) [note: 'added by an edit']\n" + text[at:]
    if kind in ("delete_column", "change_type"):
        pat = r"^  (?:" + "|".join(DATA_NAMES) + r") (\S+)[^\n]*\n"
        sites = list(re.finditer(pat, text, re.M))
        if not sites:
            return None
        m = rng.choice(sites)
        if kind == "delete_column":
            return text[:m.start()] + text[m.end():]
        old = m.group(1)
        new = rng.choice([t for t in ("int", "bigint", "text", "varchar(64)", "boolean", "u32") if t != old])
        return text[:m.start(1)] + new + text[m.end(1):]
    if kind == "note_char":
        sites = [m.end() for m in re.finditer(r"[Nn]ote: '[A-Za-z]", text)]
        if not sites:
            return None
        at = rng.choice(sites)
        return text[:at] + rng.choice("abcdefghij") + text[at:]
    if kind == "add_table":
        return text + (f"\nTable bench_added_table_{k} {{\n  id int [pk]\n  name varchar(255) [not null]\n"
                       f"  created_at timestamp\n}}\n")
    if kind == "remove_table":
        blocks = list(re.finditer(r"^Table [^\n]*\{\n(?:(?!^\}).*\n)*?^\}\n\n", text, re.M))
        blocks = [b for b in blocks if "%extension_enum" not in b.group(0)]  # keep completeness errors out
        if not blocks:
            return None
        b = rng.choice(blocks)
        return text[:b.start()] + text[b.end():]
    if kind == "rename_variant":
        enums = list(re.finditer(r"^Enum (t\w+) \{\n((?:  [^\n]*\n)+)\}", text, re.M))
        if not enums:
            return None
        e = rng.choice(enums)
        lines = list(re.finditer(r"^  (\w+)", e.group(2), re.M))
        v = rng.choice(lines)
        at = e.start(2) + v.start(1)
        return text[:at] + v.group(1) + "_renamed" + text[at + len(v.group(1)):]
    raise ValueError(kind)


EDIT_BUDGET_S = 300   # an engine far off its target stops early rather than run for an hour

EDIT_KINDS = ["insert_column", "delete_column", "change_type", "note_char", "add_table",
              "remove_table", "rename_variant"]


def timed_update(ws, path: str, text: str) -> tuple[float, set]:
    t0 = time.perf_counter()
    rechecked = ws.update_file(path, text)
    for p in rechecked:
        ws.diagnostics_for(p)
    return (time.perf_counter() - t0) * 1000, set(rechecked)


def child_incremental(ws, man, paths, texts, spec) -> dict:
    rng = random.Random(spec["seed"] * 31 + 3)
    before = diag_fingerprint(ws)
    files = sorted(paths)
    samples, rechecked, kinds, per_kind = [], [], {}, {}
    t_start = time.perf_counter()
    for _ in range(spec["edits"] // 2):
        if time.perf_counter() - t_start > EDIT_BUDGET_S:
            break
        f = rng.choice(files)
        for _attempt in range(10):
            kind = rng.choice(EDIT_KINDS)
            new = make_edit(rng, texts[f], kind)
            if new is not None:
                break
        else:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        for t in (new, texts[f]):       # the edit, then undoing it
            ms, r = timed_update(ws, paths[f], t)
            samples.append(ms)
            rechecked.append(len(r))
            per_kind.setdefault(kind, []).append(ms)
    restored = diag_fingerprint(ws) == before
    slowest = max(per_kind, key=lambda k: pct(per_kind[k], 95))
    return {"p50": pct(samples, 50), "p95": pct(samples, 95), "max": max(samples), "n": len(samples),
            "asked": spec["edits"], "rechecked_avg": statistics.mean(rechecked), "restored": restored,
            "kinds": kinds, "slowest_kind": slowest, "slowest_kind_p95": pct(per_kind[slowest], 95)}


def child_rename(ws, man, paths, texts, spec) -> dict:
    uses = [u for u in man.get("variant_uses", []) if u["user_files"]][:5]
    if not uses:
        return {"error": "the workspace has no enum variant used by other files"}
    importers = man.get("importers", {})
    samples, rechecked, missed, unrelated, stale = [], [], 0, 0, 0
    users_n, importers_n = [], []
    t_start = time.perf_counter()
    for i in range(spec["edits"] // 2):
        if time.perf_counter() - t_start > EDIT_BUDGET_S:
            break
        u = uses[i % len(uses)]
        f, off, v = u["file"], u["offset"], u["variant"]
        text = texts[f]
        assert text[off:off + len(v)] == v, "manifest offset does not match the text"
        new = text[:off] + v + "_renamed" + text[off + len(v):]
        ms, r = timed_update(ws, paths[f], new)
        samples.append(ms)
        names = {Path(p).name for p in r}
        rechecked.append(len(names))
        users = set(u["user_files"])
        users_n.append(len(users))
        importers_n.append(len(u["enum_importers"]))
        if not users <= names:
            missed += 1
        allowed = set(importers.get(f, [])) | {f}
        unrelated += len(names - allowed)
        probe = u["user_files"][0]
        if not any(is_error(d) for d in ws.diagnostics_for(paths[probe])):
            stale += 1
        ms, r = timed_update(ws, paths[f], text)
        samples.append(ms)
        rechecked.append(len({Path(p).name for p in r}))
    return {"p50": pct(samples, 50), "p95": pct(samples, 95), "n": len(samples),
            "rechecked_avg": statistics.mean(rechecked), "users_avg": statistics.mean(users_n),
            "importers_avg": statistics.mean(importers_n), "missed_users": missed,
            "unrelated": unrelated, "stale": stale}


def child_lookups(ws, man, paths, texts, spec) -> dict:
    rng = random.Random(spec["seed"] * 17 + 5)
    defs = man["definitions"]
    defs = rng.sample(defs, min(200, len(defs)))
    d_samples, resolved = [], 0
    for f, off, name in defs:
        # the cursor inside the last segment of the name (e.g. on `orders` of core.orders)
        at = off + len(name) - 1
        t0 = time.perf_counter()
        r = ws.definition_at(paths[f], at)
        d_samples.append((time.perf_counter() - t0) * 1000)
        resolved += r is not None
    comps = man["completions"]
    comps = rng.sample(comps, min(200, len(comps)))
    v_samples, n_names = [], []
    for f, off in comps:
        t0 = time.perf_counter()
        names = ws.visible_names(paths[f], off)
        v_samples.append((time.perf_counter() - t0) * 1000)
        n_names.append(len(names) if names is not None else 0)
    return {
        "definition": {"p50": pct(d_samples, 50), "p95": pct(d_samples, 95), "n": len(d_samples),
                       "resolved": resolved},
        "visible": {"p50": pct(v_samples, 50), "p95": pct(v_samples, 95), "n": len(v_samples),
                    "avg_names": statistics.mean(n_names) if n_names else 0},
    }


def child_constraints(spec: dict) -> dict:
    """bench/constraints_bench.py contract: rows(quick) -> list of dicts with keys of Row
    (name, dbmt, anchor, ratio, target, met, note), or bench_* functions each returning one."""
    sys.path.insert(0, str(REPO / "server"))
    try:
        mspec = importlib.util.spec_from_file_location("constraints_bench", spec["constraints"])
        mod = importlib.util.module_from_spec(mspec)
        sys.modules["constraints_bench"] = mod
        mspec.loader.exec_module(mod)
    except Exception as e:  # noqa: BLE001
        return {"error": f"cannot import constraints_bench.py: {type(e).__name__}: {e}"}

    def call(fn):
        try:
            return fn(quick=spec["quick"])
        except TypeError:
            return fn()
    try:
        if hasattr(mod, "rows"):
            rows = list(call(mod.rows))
        else:
            fns = [getattr(mod, n) for n in sorted(dir(mod)) if n.startswith("bench_") and callable(getattr(mod, n))]
            if not fns:
                return {"error": "constraints_bench.py has neither rows() nor bench_* functions"}
            rows = [call(fn) for fn in fns]
    except Exception as e:  # noqa: BLE001
        return {"error": f"constraints_bench.py failed: {type(e).__name__}: {e}"}
    out = []
    for r in rows:
        if isinstance(r, dict):
            out.append({k: str(v) for k, v in r.items()})
        elif isinstance(r, (list, tuple)):
            out.append({k: str(v) for k, v in zip(["name", "dbmt", "anchor", "ratio", "target", "met", "note"], r)})
    return {"rows": out}


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="dbmt benchmark harness (see bench/README.md)")
    ap.add_argument("--quick", action="store_true", help="3 runs per comparison, no 20,000-table size")
    ap.add_argument("--assert", dest="assert_targets", action="store_true",
                    help="exit 1 when a target is missed or could not be measured")
    ap.add_argument("--only", default="", help="comma-separated measures: " + ", ".join(MEASURES))
    ap.add_argument("--runs", type=int, default=0, help="runs per comparison (default 5, --quick 3)")
    ap.add_argument("--engine-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.engine_child is not None:
        print(json.dumps(child_main(json.loads(args.engine_child))))
        return 0
    only = [x.strip() for x in args.only.split(",") if x.strip()]
    unknown = [x for x in only if x not in MEASURES]
    if unknown:
        ap.error(f"unknown measure(s) {', '.join(unknown)}; choose from {', '.join(MEASURES)}")
    if args.runs and args.runs < 5 and not args.quick:
        log(f"note: --runs {args.runs} is below the 5 runs the issue asks for")
    return Harness(args).run(only)


if __name__ == "__main__":
    sys.exit(main())
