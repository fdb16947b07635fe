#!/usr/bin/env python3
"""Benchmark of the exact constraint analysis (dbmt.check.constraints.analyze) on 64-variant enums.

    .venv/bin/python bench/constraints_bench.py [--seeds N] [--reps N] [--quick] [--assert] [--verbose]

Profiles (seeded, 100 marks over 64 variants each):
  human            variants in families: exclusive groups, requires chains, a few incompatible
                   sets, 3 compatible lists, one required variant
  human-no-list    the same without compatible marks (the count then ranges over all 64 variants)
  random           100 marks of random kinds and random arguments (2 % ALL_EXTS)
  random-no-list   random marks but no compatible/required marks: the hardest for the counter

Every enum is analysed --reps times (full analysis: cycles, conflict, dead variants, forbidden lists,
exact count, then co_occurring_pairs()); the table gives the median and p95 over all runs of a profile,
and what the counts were. Targets: medians <= 50 ms (human profiles) and <= 250 ms (random profiles);
--assert exits 1 when one is missed or an analysis gave up. bench/run.py imports rows() from here.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from dbmt.check.constraints import ALL_EXTS, ConstraintMark, analyze  # noqa: E402

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
    times, counts, gave_up, unsat, dead, pairs = [], [], 0, 0, 0, 0
    for seed in range(seeds):
        variants, marks = PROFILES[profile](seed)
        for rep in range(reps):
            t = time.perf_counter()
            r = analyze(variants, marks, budget_s=5.0)
            pairs = len(r.co_occurring_pairs())
            times.append((time.perf_counter() - t) * 1000)
        counts.append(r.count)
        gave_up += r.gave_up
        unsat += not r.satisfiable
        dead += len(r.dead)
    times.sort()
    return {
        "profile": profile, "enums": seeds, "runs": len(times),
        "median": statistics.median(times), "p95": times[min(len(times) - 1, int(0.95 * len(times)))],
        "max": times[-1], "counts": counts, "gave_up": gave_up, "unsat": unsat, "dead": dead,
        "last_pairs": pairs,
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
            "note": f"{m['enums']} enums x {reps}; counts: {_count_summary(m['counts'])}"
                    + (f"; gave up {m['gave_up']}" if m["gave_up"] else ""),
        })
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=30, help="enums per profile (default 30)")
    ap.add_argument("--reps", type=int, default=5, help="analyses per enum (default 5)")
    ap.add_argument("--quick", action="store_true", help="10 enums x 3 runs per profile")
    ap.add_argument("--assert", dest="check", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--verbose", action="store_true", help="print every enum's count")
    args = ap.parse_args()
    seeds, reps = (10, 3) if args.quick else (args.seeds, args.reps)
    analyze(*human_enum(0))  # warm imports and caches
    print(f"| profile | enums x runs | median ms | p95 ms | max ms | target | met | unsat | dead variants | counts |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    failed = False
    for profile in PROFILES:
        m = measure(profile, seeds, reps)
        ok = m["median"] <= TARGET_MS[profile] and not m["gave_up"]
        failed |= not ok
        print(f"| {profile} | {m['enums']} x {reps} | {m['median']:.1f} | {m['p95']:.1f} | {m['max']:.1f} | "
              f"<= {TARGET_MS[profile]:.0f} | {'yes' if ok else 'NO'} | {m['unsat']} | {m['dead']} | "
              f"{_count_summary(m['counts'])}{'; gave up ' + str(m['gave_up']) if m['gave_up'] else ''} |")
        if args.verbose:
            print(f"|   counts | {m['counts']} |")
    return 1 if (args.check and failed) else 0


if __name__ == "__main__":
    sys.exit(main())
