#!/usr/bin/env python3
"""Benchmark of the exact constraint analysis (dbmt.check.constraints.analyze) on 64-variant enums.

    .venv/bin/python bench/constraints_bench.py [--seeds N] [--reps N] [--quick] [--assert] [--verbose]
                                                [--shapes-only] [--variants N] [--against REV]

Profiles (seeded, 100 marks over 64 variants each):
  human            variants in families: exclusive groups, requires chains, a few incompatible
                   sets, 3 compatible lists, one required variant
  human-no-list    the same without compatible marks (the count then ranges over all 64 variants)
  random           100 marks of random kinds and random arguments (2 % ALL_EXTS)
  random-no-list   random marks but no compatible/required marks: the hardest for the counter

Every enum is analysed --reps times (full analysis: cycles, conflict, dead variants, forbidden lists,
exact count, then co_occurring_pairs()); the table gives the median and p95 over all runs of a profile,
the most work (steps of the deterministic budget) one analysis took, and what the counts were.
Targets: medians <= 50 ms (human profiles) and <= 250 ms (random profiles); --assert exits 1 when one
is missed or an analysis did not finish.

Shapes (second table): one enum of --variants N (default 5,000) variants under marks whose structure is
small however many variants there are (one `%extension_exclusive ALL_EXTS`, a requires chain, …).
Each count is checked against its closed form; target: exact, within the default budget, <= 1 s.
--against REV runs the same shapes through check/constraints.py as it was at git revision REV (with
the analysis settings it shipped with) in the same process, alternating, and prints both and the ratio.

bench/run.py imports rows() from here.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from dbmt.check.constraints import ALL_EXTS, DEFAULT_BUDGET, ConstraintMark, analyze  # noqa: E402

N_VARIANTS = 64
N_MARKS = 100
TARGET_MS = {"human": 50.0, "human-no-list": 50.0, "random": 250.0, "random-no-list": 250.0}


def human_enum(seed: int, lists: bool = True) -> tuple[list[str], list[ConstraintMark]]:
    """Marks a schema author would write: variants come in families (a sensor, its variants, its
    add-ons); within a family some are alternatives (exclusive) and add-ons require their base;
    across families a few requires and incompatible sets; a handful of whitelisted bundles."""
    rnd = random.Random(seed)
    variants = [f"Ext{i:02d}" for i in range(N_VARIANTS)]
    families, i = [], 0
    while i < N_VARIANTS:
        size = rnd.randint(4, 8)
        if N_VARIANTS - (i + size) < 4:
            size = N_VARIANTS - i  # no family smaller than 4
        families.append(variants[i:i + size])
        i += size
    marks: list[ConstraintMark] = []
    budget = {"exclusive": 34, "requires": 46, "incompatible": 12 if lists else 16,
              "compatible": 3 if lists else 0, "required": 1}
    # Within families: alternatives and add-ons requiring an earlier member (no cycles by design).
    while budget["exclusive"] > 0 or budget["requires"] > 0:
        fam = rnd.choice(families)
        if budget["exclusive"] > 0 and rnd.random() < 0.45:
            marks.append(ConstraintMark("exclusive", tuple(rnd.sample(fam, min(len(fam), rnd.randint(2, 4))))))
            budget["exclusive"] -= 1
        elif budget["requires"] > 0:
            k = rnd.randrange(1, len(fam))
            src = fam[k]
            if rnd.random() < 0.25:  # a cross-family dependency on an earlier family
                earlier = [v for f in families if f[0] < fam[0] for v in f]
                sinks = rnd.sample(earlier, 1) if earlier else [fam[0]]
            else:
                sinks = rnd.sample(fam[:k], min(k, rnd.randint(1, 2)))
            marks.append(ConstraintMark("requires", (src, *sinks)))
            budget["requires"] -= 1
    for _ in range(budget["incompatible"]):
        a, b = rnd.sample(families, 2)
        args = [rnd.choice(a), rnd.choice(b)] + ([rnd.choice(rnd.choice(families))] if rnd.random() < 0.3 else [])
        marks.append(ConstraintMark("incompatible", tuple(dict.fromkeys(args))))
    for _ in range(budget["compatible"]):
        fams = rnd.sample(families, 3)
        bundle = [v for f in fams for v in f if rnd.random() < 0.7]
        marks.append(ConstraintMark("compatible", tuple(bundle)))
    marks.append(ConstraintMark("required", (families[0][0],)))
    rnd.shuffle(marks)
    return variants, marks[:N_MARKS]


def random_enum(seed: int, lists: bool = True) -> tuple[list[str], list[ConstraintMark]]:
    """Marks of uniformly random kinds over random variants: no structure to exploit."""
    rnd = random.Random(seed)
    variants = [f"V{i}" for i in range(N_VARIANTS)]
    kinds = ["exclusive", "requires", "incompatible"] + (["compatible", "required"] if lists else [])
    marks = []
    for _ in range(N_MARKS):
        kind = rnd.choice(kinds)
        if kind == "requires":
            src = rnd.choice(variants)
            sinks = [ALL_EXTS] if rnd.random() < 0.02 else rnd.sample([v for v in variants if v != src],
                                                                       rnd.randint(1, 3))
            marks.append(ConstraintMark(kind, (src, *sinks)))
        elif rnd.random() < 0.02:
            marks.append(ConstraintMark(kind, (ALL_EXTS,)))
        else:
            lo, hi = {"exclusive": (2, 5), "incompatible": (2, 5), "compatible": (2, 8), "required": (1, 2)}[kind]
            marks.append(ConstraintMark(kind, tuple(rnd.sample(variants, rnd.randint(lo, hi)))))
    return variants, marks


PROFILES = {
    "human": lambda s: human_enum(s, True),
    "human-no-list": lambda s: human_enum(s, False),
    "random": lambda s: random_enum(s, True),
    "random-no-list": lambda s: random_enum(s, False),
}


def measure(profile: str, seeds: int, reps: int) -> dict:
    times, counts, gave_up, unsat, dead, pairs, work = [], [], 0, 0, 0, 0, 0
    for seed in range(seeds):
        variants, marks = PROFILES[profile](seed)
        for rep in range(reps):
            t = time.perf_counter()
            r = analyze(variants, marks)
            pairs = len(r.co_occurring_pairs())
            times.append((time.perf_counter() - t) * 1000)
        counts.append(r.count)
        work = max(work, r.work)
        gave_up += r.gave_up
        unsat += not r.satisfiable
        dead += len(r.dead)
    times.sort()
    return {
        "profile": profile, "enums": seeds, "runs": len(times),
        "median": statistics.median(times), "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
        "max": times[-1], "counts": counts, "gave_up": gave_up, "unsat": unsat, "dead": dead,
        "last_pairs": pairs, "work": work,
    }


def _count_summary(counts: list) -> str:
    known = sorted(c for c in counts if c is not None)
    if not known:
        return "none"
    zero = sum(1 for c in known if c == 0)
    nz = [c for c in known if c]
    if not nz:
        return f"all 0 ({zero} unsat)"
    mid = nz[len(nz) // 2]
    return f"{len(nz)} satisfiable: {nz[0]} .. {nz[-1]} (median {mid}, ~2^{mid.bit_length() - 1})" + \
        (f"; {zero} unsatisfiable" if zero else "")


# -- shapes: many variants, little structure ---------------------------------------------------------
def _fib(k: int) -> int:
    a, b = 0, 1
    for _ in range(k):
        a, b = b, a + b
    return a


def _triples_count(n: int) -> int:
    """`%extensions_incompatible V2i V2i+1 V2i+2` along the row: a transfer matrix over the shared variant."""
    m = len(range(0, n - 2, 2))
    out_, in_ = 1, 1
    for _ in range(m):
        out_, in_ = 2 * out_ + 2 * in_, 2 * out_ + in_
    return (out_ + in_) * 2 ** (n - 1 - 2 * m)


def shapes(n: int) -> list[tuple[str, list[str], list[ConstraintMark], int]]:
    """(name, variants, marks, the exact count by its closed form) for an enum of n variants."""
    v = [f"V{i}" for i in range(n)]
    M = ConstraintMark
    lists = n // 100
    return [
        ("%extension_exclusive ALL_EXTS", v, [M("exclusive", (ALL_EXTS,))], n + 1),
        ("%extensions_required of 10", v, [M("required", tuple(v[:10]))], 2 ** (n - 10)),
        ("%extension_requires chain", v, [M("requires", (v[i], v[i + 1])) for i in range(n - 1)], n + 1),
        ("%extension_requires chain, written backwards", v,
         [M("requires", (v[i + 1], v[i])) for i in reversed(range(n - 1))], n + 1),
        ("%extensions_incompatible ALL_EXTS", v, [M("incompatible", (ALL_EXTS,))], 2 ** n - 1),
        ("%extensions_compatible ALL_EXTS", v, [M("compatible", (ALL_EXTS,))], 2 ** n),
        ("exclusive ALL_EXTS + requires chain", v,
         [M("exclusive", (ALL_EXTS,))] + [M("requires", (v[i], v[i + 1])) for i in range(n - 1)], 2),
        ("requires chain, V0 excludes its end (V0 dead)", v,
         [M("requires", (v[i], v[i + 1])) for i in range(n - 1)] + [M("exclusive", (v[0], v[-1]))], n),
        ("exclusive ALL_EXTS + required V0", v, [M("exclusive", (ALL_EXTS,)), M("required", (v[0],))], 1),
        ("exclusive pairs", v, [M("exclusive", (v[2 * i], v[2 * i + 1])) for i in range(n // 2)],
         3 ** (n // 2) * 2 ** (n % 2)),
        ("incompatible pairs along a path", v, [M("incompatible", (v[i], v[i + 1])) for i in range(n - 1)],
         _fib(n + 2)),
        ("incompatible triples along a row", v,
         [M("incompatible", (v[i], v[i + 1], v[i + 2])) for i in range(0, n - 2, 2)], _triples_count(n)),
        ("V0 requires ALL_EXTS", v, [M("requires", (v[0], ALL_EXTS))], 1 + 2 ** (n - 1)),
        ("every variant requires V0", v, [M("requires", (v[i], v[0])) for i in range(1, n)], 1 + 2 ** (n - 1)),
        (f"{lists} disjoint compatible lists of 100", v,
         [M("compatible", tuple(v[100 * i:100 * i + 100])) for i in range(lists)],
         1 + n + lists * (2 ** 100 - 101)),
    ]


def _load_against(rev: str):
    """check/constraints.py at git revision ``rev``, as a module of its own."""
    import importlib.util
    import subprocess
    repo = Path(__file__).resolve().parent.parent
    src = subprocess.run(["git", "-C", str(repo), "show", f"{rev}:server/dbmt/check/constraints.py"],
                         check=True, capture_output=True, text=True).stdout
    path = Path("/tmp") / f"dbmt_constraints_{rev.replace('/', '_')}.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"constraints_at_{abs(hash(rev))}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def _run_shape(mod, variants, marks) -> tuple[float, str, object]:
    """(seconds, outcome, count) of one analysis by module ``mod`` with its shipped settings."""
    cm = [mod.ConstraintMark(m.kind, m.args) for m in marks]
    t = time.perf_counter()
    try:
        r = mod.analyze(variants, cm)
    except RecursionError:
        return time.perf_counter() - t, "RecursionError", None
    dt = time.perf_counter() - t
    if getattr(r, "stopped", None) or getattr(r, "gave_up", False):
        return dt, f"gave up ({getattr(r, 'stopped', None) or 'time budget'})", None
    return dt, "exact", r.count


def _fmt_count(c) -> str:
    if c is None:
        return "—"
    return str(c) if c < 10 ** 9 else f"~2^{c.bit_length() - 1}"


def shape_rows(n: int, against=None) -> list[dict]:
    out = []
    for name, variants, marks, expect in shapes(n):
        t = time.perf_counter()
        r = analyze(variants, marks)
        dt = time.perf_counter() - t
        ok = r.stopped is None and r.count == expect and dt <= 1.0
        row = {"shape": name, "ms": dt * 1000, "work": r.work, "count": r.count, "expect": expect,
               "exact": r.count == expect, "stopped": r.stopped, "met": ok}
        if against is not None:
            odt, outcome, ocount = _run_shape(against, variants, marks)
            row.update(old_ms=odt * 1000, old_outcome=outcome if outcome != "exact" or ocount == expect
                       else "WRONG COUNT", old_count=ocount)
        out.append(row)
    return out


def rows(quick: bool = False) -> list[dict]:
    """Rows for bench/run.py (keys of its Row); prints nothing (run.py reads the child's stdout)."""
    seeds, reps = (10, 3) if quick else (30, 5)
    analyze(*human_enum(0))  # warm imports and caches
    out = []
    for profile in PROFILES:
        m = measure(profile, seeds, reps)
        ok = m["median"] <= TARGET_MS[profile] and not m["gave_up"]
        out.append({
            "name": f"5. constraint analysis: {profile} (64 variants, 100 marks)",
            "dbmt": f"median {m['median']:.1f} ms, p95 {m['p95']:.1f} ms",
            "target": f"median <= {TARGET_MS[profile]:.0f} ms, exact",
            "met": "yes" if ok else "no",
            "note": f"{m['enums']} enums x {reps}; at most {m['work']:,} steps; counts: {_count_summary(m['counts'])}"
                    + (f"; gave up {m['gave_up']}" if m["gave_up"] else ""),
        })
    sr = shape_rows(5000)
    worst = max(sr, key=lambda r: r["ms"])
    out.append({
        "name": f"5. constraint analysis: {len(sr)} shapes of 5,000 variants (closed-form counts)",
        "dbmt": f"slowest {worst['ms']:.0f} ms ({worst['shape']}), at most {max(r['work'] for r in sr):,} steps",
        "target": "<= 1 s each, exact",
        "met": "yes" if all(r["met"] for r in sr) else "no",
        "note": "; ".join(f"{r['shape']}: {r['ms']:.0f} ms" for r in sr),
    })
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=30, help="enums per profile (default 30)")
    ap.add_argument("--reps", type=int, default=5, help="analyses per enum (default 5)")
    ap.add_argument("--quick", action="store_true", help="10 enums x 3 runs per profile")
    ap.add_argument("--assert", dest="check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--verbose", action="store_true", help="print every enum's count")
    ap.add_argument("--shapes-only", action="store_true", help="only the many-variant shapes")
    ap.add_argument("--variants", type=int, default=5000, help="variants of the shapes (default 5000)")
    ap.add_argument("--against", metavar="REV", help="also run the shapes through constraints.py at git REV")
    args = ap.parse_args()
    seeds, reps = (10, 3) if args.quick else (args.seeds, args.reps)
    analyze(*human_enum(0))  # warm imports and caches
    failed = False
    if not args.shapes_only:
        print(f"default budget {DEFAULT_BUDGET:,} steps\n")
        print("| profile | enums x runs | median ms | p95 ms | max ms | max steps | target | met | unsat | dead variants | counts |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for profile in PROFILES:
            m = measure(profile, seeds, reps)
            ok = m["median"] <= TARGET_MS[profile] and not m["gave_up"]
            failed |= not ok
            print(f"| {profile} | {m['enums']} x {reps} | {m['median']:.1f} | {m['p95']:.1f} | {m['max']:.1f} | "
                  f"{m['work']:,} | <= {TARGET_MS[profile]:.0f} | {'yes' if ok else 'NO'} | {m['unsat']} | {m['dead']} | "
                  f"{_count_summary(m['counts'])}{'; gave up ' + str(m['gave_up']) if m['gave_up'] else ''} |")
            if args.verbose:
                print(f"|   counts | {m['counts']} |")
        print()
    against = _load_against(args.against) if args.against else None
    sr = shape_rows(args.variants, against)
    head = f"| shape ({args.variants:,} variants) | ms | steps | count | exact | met |"
    rule = "|---|---|---|---|---|---|"
    if against is not None:
        head += f" at {args.against}: ms | at {args.against}: outcome | ratio |"
        rule += "---|---|---|"
    print(head)
    print(rule)
    for r in sr:
        failed |= not r["met"]
        line = (f"| {r['shape']} | {r['ms']:.1f} | {r['work']:,} | {_fmt_count(r['count'])} | "
                f"{'yes' if r['exact'] else 'NO'} | {'yes' if r['met'] else 'NO'} |")
        if against is not None:
            line += f" {r['old_ms']:.1f} | {r['old_outcome']} | {r['old_ms'] / r['ms']:.1f}x |"
        print(line)
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
