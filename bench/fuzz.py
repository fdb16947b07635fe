"""The long fuzz run of the whole engine (the short slice is tests/fuzz/test_fuzz.py).

    .venv/bin/python bench/fuzz.py --inputs 100000 --seed 1 --jobs 2 --out bench/out/fuzz-failures

Draws inputs from the strategies of tests/fuzz/fuzz_inputs.py (generated, mutated, pathological,
in turn), runs each through tests/fuzz/engine_run.py `run_case`, and prints a table: inputs by
source, failures by kind, the most work per byte seen, inputs/s. Every failing input is written
to the output folder (its files, the edit, and what failed) so that it can be run again with
`--replay FOLDER`. Exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "fuzz"))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import engine_run  # noqa: E402
from engine_run import KINDS, Case, Edit, run_case  # noqa: E402
from fuzz_inputs import generated_cases, mutated_cases, pathological_cases  # noqa: E402

SOURCES = ("generated", "mutated", "pathological")
BATCH = 5000  # inputs per @given call (see run_share)
COLLECT_EVERY = 100  # inputs between full collections (see run_share)


def save(out: Path, number: int, case: Case, failures) -> Path:
    d = out / f"{number:06d}-{case.source}"
    d.mkdir(parents=True, exist_ok=True)
    for rel, data in case.files.items():
        p = d / "files" / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    meta = {"source": case.source, "label": case.label,
            "edit": vars(case.edit) if case.edit else None,
            "failures": [{"kind": f.kind, "detail": f.detail} for f in failures]}
    (d / "case.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False), encoding="utf-8")
    return d


def load(d: Path) -> Case:
    meta = json.loads((d / "case.json").read_text(encoding="utf-8"))
    files = {str(p.relative_to(d / "files")): p.read_bytes() for p in sorted((d / "files").rglob("*")) if p.is_file()}
    return Case(files, Edit(**meta["edit"]) if meta["edit"] else None, meta["source"], meta["label"])


def run_share(args, job: int, inputs: int) -> dict:
    """One job's share of the long run: `inputs` inputs from its own seed; its counters."""
    by_source: Counter = Counter()
    failing_by_source: Counter = Counter()
    by_kind: Counter = Counter()
    worst = {s: (0.0, "") for s in SOURCES}
    deepest = 0
    started = time.perf_counter()
    done = 0
    out = args.out if args.jobs <= 1 else args.out / f"job-{job}"

    # Per pathological input, four generated and five mutated ones: the shapes are few, big and
    # slow (a tenth of the inputs, most of the time), the other two sources are the variety.
    strategy = st.one_of(*[generated_cases()] * 4, *[mutated_cases()] * 5, pathological_cases(args.max_n))

    base = args.seed * 1000 + job if args.jobs > 1 else args.seed

    def batch(number: int, n: int):
        # Hypothesis remembers every input one @given call drew (to draw new ones): over 50,000
        # inputs that grew one process to ~7 GB. So a long run is batches of BATCH inputs; the
        # first batch draws from the job's seed as before, batch k from (seed, k).
        @seed(base if number == 0 else f"{base}/{number}")
        @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def run(case: Case):
            one(case)
        run()

    def one(case: Case):
        nonlocal done, deepest
        fails = run_case(case)
        done += 1
        if done % COLLECT_EVERY == 0:
            # Each load freezes what is alive (Workspace.open), hypothesis's own garbage cycles
            # too, and run_case unfreezes it after; a full collection seldom falls between the
            # two, so without this one those cycles stayed (~0.12 MB an input).
            gc.collect()
        by_source[case.source] += 1
        m = case.measure
        if m is not None:
            per = m.calls / max(case.size(), 1)
            if case.size() >= 200 and per > worst[case.source][0]:
                worst[case.source] = (per, case.label or f"{case.size()} bytes")
            deepest = max(deepest, m.depth)
        if fails:
            failing_by_source[case.source] += 1
            for kind in {f.kind for f in fails}:
                by_kind[kind] += 1
            d = save(out, done, case, fails)
            print(f"FAIL {d}: {fails[0]}", flush=True)
        if args.seconds and time.perf_counter() - started > args.seconds:
            raise KeyboardInterrupt  # the time box is over: the table of the inputs run
        if done % args.every == 0:
            rate = done / (time.perf_counter() - started)
            print(f"job {job}: {done:,} inputs, {sum(failing_by_source.values())} failing, {rate:.1f}/s", flush=True)

    def stop(signum, frame):
        raise KeyboardInterrupt
    before = signal.signal(signal.SIGTERM, stop)
    stopped = ""
    try:
        number = 0
        while done < inputs:
            batch(number, min(BATCH, inputs - done))
            number += 1
    except KeyboardInterrupt:
        stopped = " (stopped before the end: the figures are those of the inputs run)"
    finally:
        # A pool worker that is done gets the pool's SIGTERM at the end: not a stop any more.
        signal.signal(signal.SIGTERM, before)
    return {"by_source": by_source, "failing_by_source": failing_by_source, "by_kind": by_kind,
            "worst": worst, "deepest": deepest, "done": done, "stopped": stopped}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-n", type=int, default=600, help="size parameter of the pathological shapes")
    ap.add_argument("--out", type=Path, default=HERE / "out" / "fuzz-failures")
    ap.add_argument("--replay", type=Path, help="run the saved failing inputs of a folder again")
    ap.add_argument("--every", type=int, default=1000, help="print progress every N inputs")
    ap.add_argument("--seconds", type=float, default=0, help="stop each job after this many seconds (0: no limit)")
    ap.add_argument("--jobs", type=int, default=1, help="processes, each with its own seed (seed * 1000 + job)")
    args = ap.parse_args(argv)

    if args.replay:
        bad = 0
        for d in sorted(p for p in args.replay.iterdir() if (p / "case.json").exists()):
            fails = run_case(load(d))
            bad += bool(fails)
            print(d.name, "ok" if not fails else "; ".join(map(str, fails)))
        return 1 if bad else 0

    started = time.perf_counter()
    jobs = max(1, args.jobs)
    shares = [(args, i, args.inputs // jobs + (1 if i < args.inputs % jobs else 0)) for i in range(jobs)]
    if jobs == 1:
        results = [run_share(*shares[0])]
    else:
        # Each job draws from its own seed (seed * 1000 + job) in its own process: the machine's
        # cores work in parallel, and the figures are summed.
        import multiprocessing
        # SIGTERM stops the jobs (each returns its figures), not this process, which prints them.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        # close and join, not the `with` block's terminate(): the jobs ignore SIGTERM (above), so
        # terminate() waited for ever on an idle job that had not yet read its end of the queue.
        pool = multiprocessing.get_context("fork").Pool(jobs)
        try:
            results = pool.starmap(run_share, shares)
        finally:
            pool.close()
            pool.join()
    by_source, failing_by_source, by_kind = Counter(), Counter(), Counter()
    worst = {s: (0.0, "") for s in SOURCES}
    deepest, done, stopped = 0, 0, ""
    for r in results:
        by_source.update(r["by_source"])
        failing_by_source.update(r["failing_by_source"])
        by_kind.update(r["by_kind"])
        for s_ in SOURCES:
            worst[s_] = max(worst[s_], r["worst"][s_])
        deepest = max(deepest, r["deepest"])
        done += r["done"]
        stopped = stopped or r["stopped"]
    elapsed = time.perf_counter() - started
    print()
    print(f"seed {args.seed}, {jobs} job{'s' if jobs > 1 else ''}; {done:,} inputs in {elapsed:.0f} s ({done / elapsed:.1f} inputs/s); "
          f"load average {os.getloadavg()[0]:.2f}{stopped}")
    print()
    print("| source | inputs | failing | most calls per byte (inputs of 200+ bytes) |")
    print("|---|---|---|---|")
    for s in SOURCES:
        per, label = worst[s]
        print(f"| {s} | {by_source[s]:,} | {failing_by_source[s]} | {per:.1f} ({label}) |")
    print()
    print("| failure kind | inputs |")
    print("|---|---|")
    for k in sorted(set(KINDS) | set(by_kind), key=lambda k: (k.split(" ")[0] not in KINDS, k)):
        print(f"| {k} | {by_kind[k]} |")
    print()
    print(f"deepest call stack: {deepest} (allowed {engine_run.DEFAULT_BUDGET.depth}); "
          f"work bound: {engine_run.DEFAULT_BUDGET}")
    if by_kind:
        print(f"failing inputs written to {args.out}")
    return 1 if by_kind else 0


if __name__ == "__main__":
    sys.exit(main())
