#!/usr/bin/env python3
"""Hostile inputs through the whole checker: `dbmt-lsp --check --no-cache` on one generated file.

    python bench/pathological.py [--sizes 64K,256K,1M] [--shapes a,b] [--timeout 120]

Each shape is written at each size into its own folder (with a dbmt.toml, so the folder is the
workspace) and checked as one process; the table gives seconds, seconds per MB and the ratio
to a normal schema of the same size (bench/generate.py, single file) checked in the same run.
A run that passes `--timeout` is shown as `>T`. Timing is for this table only: the tests count
work instead (tests/syntax/test_linear_time.py).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "pathological"


def _fill(unit: str, size: int, head: str = "", tail: str = "") -> str:
    n = max(1, (size - len(head) - len(tail)) // len(unit))
    return head + unit * n + tail


def _enum(size: int) -> str:
    n = max(1, size // 12)
    return "Enum e {\n" + "".join(f"  v{i:07d}\n" for i in range(n)) + "}\n"


def _refs(size: int) -> str:
    head = "Table a {\n  id int [pk]\n}\nTable b {\n  a_id int\n}\n"
    unit = "Ref: b.a_id > a.id\n"
    return _fill(unit, size, head)


def _variants_exclusive(size: int) -> str:
    n = max(1, size // 9)
    return ("Enum E {\n" + "".join(f"  V{i}\n" for i in range(n))
            + "  %extension_exclusive ALL_EXTS\n}\nTable T {\n  %extension E\n  id int [pk]\n}\n")


def _group_of_many(size: int) -> str:
    n = max(1, size // 38)
    return ("".join(f"Table t{i} {{\n  id int [pk]\n}}\n" for i in range(n))
            + "TableGroup g {\n  %require_columns id name\n" + "".join(f"  t{i}\n" for i in range(n)) + "}\n")


SHAPES = {
    "table-open-one-line": lambda n: _fill("Table t { ", n),
    "comment-open": lambda n: _fill("/*", n),
    "dquote-open": lambda n: _fill('"', n),
    "squote-open": lambda n: _fill("'", n),
    "triple-quote-open": lambda n: _fill("'''", n),
    "backtick-open": lambda n: _fill("`", n),
    "paren-deep": lambda n: _fill("(", n, "Table t {\n  id int [default: ", "\n}\n"),
    "bracket-deep": lambda n: _fill("[", n, "Table t {\n  id int ", "\n}\n"),
    "brace-deep": lambda n: _fill("{", n, "Table t "),
    "one-1MB-line": lambda n: _fill("a int ", n, "Table t { ", "}"),
    "enum-variants": _enum,
    "refs-one-column": _refs,
    "garbage-lines": lambda n: _fill("@#$ !! ~ ) ] } ?? 'x \" `\n", n),
    "cr-only-breaks": lambda n: _fill("Table t {\r  id int [pk]\r}\r", n),
    # The fuzzer's shapes that were superlinear until the DBMT105 / group-contract / extension
    # column fixes (tests/fuzz/fuzz_inputs.py `_shape_texts`), at these sizes.
    "nested-tables": lambda n: _fill("Table t {\n", n),
    "quote-open-lines": lambda n: _fill("Table t { id int [note: '\n", n),
    "same-name-tables": lambda n: _fill("Table t {\n  id int [pk]\n}\n", n),
    "variants-exclusive": _variants_exclusive,
    "group-of-many": _group_of_many,
}


def parse_size(s: str) -> int:
    s = s.strip().upper()
    mult = {"K": 1024, "M": 1024 * 1024}.get(s[-1], 1)
    return int(s.rstrip("KM")) * mult


def write_case(name: str, text: str) -> Path:
    d = OUT / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    (d / "dbmt.toml").write_text("", encoding="utf-8")
    (d / "input.dbmt").write_text(text, encoding="utf-8", newline="")
    return d


def normal_case(size: int) -> Path:
    """A clean generated schema of about `size` bytes (bench/generate.py, one file)."""
    d = OUT / f"normal-{size}"
    probe = OUT / "normal-probe"
    if not d.exists():
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--tables", "50", "--seed", "7",
                        "--out", str(probe), "--single-file"], check=True, capture_output=True)
        per_table = sum(f.stat().st_size for f in probe.glob("*.dbmt")) / 50
        tables = max(20, int(size / per_table))
        subprocess.run([sys.executable, str(HERE / "generate.py"), "--tables", str(tables), "--seed", "7",
                        "--out", str(d), "--single-file"], check=True, capture_output=True)
    return d


def run_check(exe: list[str], folder: Path, timeout: float) -> float | None:
    t0 = time.perf_counter()
    try:
        subprocess.run(exe + ["--check", "--no-cache", "--output-format", "json", str(folder)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="64K,256K,1M")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--exe", default=None, help="the dbmt-lsp command (default: next to this python)")
    args = ap.parse_args(argv)
    exe = [args.exe] if args.exe else [str(Path(sys.executable).with_name("dbmt-lsp"))]
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    from run import compile_bytecode  # bench/run.py, beside this script

    compile_bytecode()
    load = os.getloadavg()[0]
    print(f"load average at start: {load:.2f}")
    print("| shape | size | seconds | s/MB | ratio to normal |")
    print("|---|---:|---:|---:|---:|")
    for size in sizes:
        normal = run_check(exe, normal_case(size), args.timeout)
        nsize = sum(f.stat().st_size for f in normal_case(size).glob("*.dbmt"))
        print(f"| normal schema | {nsize // 1024} KB | {normal:.2f} | {normal / (nsize / 2**20):.2f} | 1.00 |", flush=True)
        for name in args.shapes.split(","):
            text = SHAPES[name](size)
            folder = write_case(name, text)
            secs = run_check(exe, folder, args.timeout)
            kb = len(text.encode()) // 1024
            if secs is None:
                print(f"| {name} | {kb} KB | >{args.timeout:.0f} | – | – |", flush=True)
            else:
                print(f"| {name} | {kb} KB | {secs:.2f} | {secs / (len(text.encode()) / 2**20):.2f} | "
                      f"{secs / normal:.2f} |", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
