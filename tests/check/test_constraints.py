"""Tests for dbmt.check.constraints: the exact analysis of an extension enum's constraint marks,
checked against a brute-force oracle over the whole powerset."""

from __future__ import annotations

import random
from functools import lru_cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbmt.check.constraints import (
    ALL_EXTS,
    DEFAULT_BUDGET,
    WIDE,
    ConstraintMark,
    analyze,
    first_violated,
)

M = ConstraintMark


# -- brute-force oracle ---------------------------------------------------------------------------
# The legal combinations as one big int: bit c is set when the combination with bitmask c is legal.
# Every mark becomes set algebra over the 2^n combinations, so the oracle is exhaustive by
# construction and shares no code or reasoning with the module under test.


@lru_cache(maxsize=None)
def _patterns(n: int) -> tuple[int, ...]:
    """P[i]: the combinations containing variant i."""
    size = 1 << n
    out = []
    for i in range(n):
        if i < 3:
            byte = (0xAA, 0xCC, 0xF0)[i]
            data = bytes([byte]) * max(1, size // 8)
        else:
            half = 1 << (i - 3)
            data = (b"\x00" * half + b"\xff" * half) * (size // (16 * half))
        out.append(int.from_bytes(data, "little") & ((1 << size) - 1))
    return tuple(out)


@lru_cache(maxsize=None)
def _at_most_one(n: int) -> int:
    bits = 1  # the empty combination
    for i in range(n):
        bits |= 1 << (1 << i)
    return bits


class Oracle:
    def __init__(self, variants, marks):
        self.variants = list(variants)
        self.marks = list(marks)
        self.n = len(variants)
        self.idx = {v: i for i, v in enumerate(variants)}
        self.P = _patterns(self.n)
        self.all = (1 << (1 << self.n)) - 1
        self.legal = self.legal_of(range(len(marks)))

    def expand(self, names):
        out = set()
        for a in names:
            out |= set(range(self.n)) if a == ALL_EXTS else {self.idx[a]}
        return out

    def conj(self, vs):
        r = self.all
        for v in vs:
            r &= self.P[v]
        return r

    def legal_of(self, active):
        r = self.all
        lists = []
        for i in active:
            mk = self.marks[i]
            if mk.kind == "exclusive":
                g = sorted(self.expand(mk.args))
                bad = 0
                for a in range(len(g)):
                    for b in range(a + 1, len(g)):
                        bad |= self.P[g[a]] & self.P[g[b]]
                r &= ~bad
            elif mk.kind == "requires":
                sinks = self.conj(self.expand(mk.args[1:]))
                for s in self.expand(mk.args[:1]):
                    r &= ~self.P[s] | sinks
            elif mk.kind == "incompatible":
                r &= ~self.conj(self.expand(mk.args))
            elif mk.kind == "required":
                r &= self.conj(self.expand(mk.args))
            elif mk.kind == "compatible":
                lists.append(self.expand(mk.args))
        if lists:
            ok = _at_most_one(self.n)
            for lst in lists:
                ok |= self._subsets_of(lst)
            r &= ok
        return r & self.all

    def _subsets_of(self, lst):
        r = self.all
        for v in range(self.n):
            if v not in lst:
                r &= ~self.P[v]
        return r

    def containing(self, legal, vs):
        return legal & self.conj(vs)

    def count(self):
        return self.legal.bit_count()

    def dead(self):
        return {self.variants[v] for v in range(self.n) if not self.legal & self.P[v]}

    def pairs(self):
        return {frozenset((self.variants[a], self.variants[b]))
                for a in range(self.n) for b in range(a + 1, self.n)
                if self.legal & self.P[a] & self.P[b]}

    def forbidden(self):
        return {i for i, mk in enumerate(self.marks)
                if mk.kind == "compatible" and not self.containing(self.legal, self.expand(mk.args))}

    def first_violated(self, combo):
        c = {self.idx[x] for x in combo}
        lists = [self.expand(mk.args) for mk in self.marks if mk.kind == "compatible"]
        for i, mk in enumerate(self.marks):
            args = self.expand(mk.args)
            if mk.kind == "exclusive" and len(c & args) >= 2:
                return i
            if mk.kind == "requires" and c & self.expand(mk.args[:1]) and not self.expand(mk.args[1:]) <= c:
                return i
            if mk.kind == "incompatible" and args <= c:
                return i
            if mk.kind == "required" and not args <= c:
                return i
            if mk.kind == "compatible" and len(c) >= 2 and not any(c <= lst for lst in lists):
                return i
        return None


def check_against_oracle(variants, marks, combos=()):
    """Everything analyze() answers, checked against the oracle; returns the analysis."""
    o = Oracle(variants, marks)
    r = analyze(variants, marks)
    assert not r.gave_up
    assert r.satisfiable == bool(o.legal)
    assert r.count == o.count()
    if not r.satisfiable:
        conflict = r.conflict
        assert conflict and sorted(set(conflict)) == conflict
        assert o.legal_of(conflict) == 0, "the conflict admits a legal combination"
        for k in conflict:
            assert o.legal_of([i for i in conflict if i != k]), f"conflict {conflict} is not minimal: drop {k}"
        assert r.dead == {} and r.forbidden_compatible == {}
        assert r.co_occurring_pairs() == set()
    else:
        assert r.conflict == []
        assert set(r.dead) == o.dead()
        for name, why in r.dead.items():
            v = o.idx[name]
            assert why and not (o.legal_of(why) & o.P[v]), f"{name} is alive under {why}"
            for k in why:
                assert o.legal_of([i for i in why if i != k]) & o.P[v], f"{why} not minimal for {name}"
        assert set(r.forbidden_compatible) == o.forbidden()
        for j, why in r.forbidden_compatible.items():
            lst = o.expand(marks[j].args)
            assert j not in why
            assert not o.containing(o.legal_of(why + [j]), lst), f"list {j} allowed under {why}"
            for k in why:
                assert o.containing(o.legal_of([i for i in why if i != k] + [j]), lst), f"{why} not minimal for {j}"
        assert r.co_occurring_pairs() == o.pairs()
    for a in variants[:4]:
        for b in variants[:4]:
            expect = bool(o.legal & o.P[o.idx[a]] & o.P[o.idx[b]])
            assert r.can_co_occur(a, b) == expect, (a, b)
        partners = [b for b in variants if b != a and o.legal & o.P[o.idx[a]] & o.P[o.idx[b]]]
        assert r.co_occurring(a) == partners, a
    for combo in combos:
        assert first_violated(variants, marks, combo) == o.first_violated(combo), combo
    return r


# -- unit tests -------------------------------------------------------------------------------------
def test_brief_example():
    v = ["SkeeingExt", "RunningExt", "LedExt"]
    marks = [M("exclusive", ("SkeeingExt", "RunningExt")), M("requires", ("LedExt", "RunningExt"))]
    r = check_against_oracle(v, marks)
    assert r.satisfiable and r.count == 4  # {}, {S}, {R}, {R, L}
    assert r.dead == {} and r.requires_cycles == []
    assert r.co_occurring_pairs() == {frozenset({"RunningExt", "LedExt"})}
    assert r.can_co_occur("LedExt", "RunningExt") and not r.can_co_occur("SkeeingExt", "LedExt")
    assert first_violated(v, marks, ["SkeeingExt", "RunningExt"]) == 0
    assert first_violated(v, marks, ["LedExt"]) == 1
    assert first_violated(v, marks, ["SkeeingExt", "LedExt"]) == 1
    assert first_violated(v, marks, ["RunningExt", "LedExt"]) is None
    assert first_violated(v, marks, []) is None


def test_no_marks():
    r = analyze(list("ABC"), [])
    assert r.satisfiable and r.count == 8 and r.dead == {} and len(r.co_occurring_pairs()) == 3


@pytest.mark.parametrize("kind,args,count", [
    ("exclusive", ("A", "B", "C"), 4 * 2),          # {}, A, B, C  × D free
    ("requires", ("A", "B", "C"), 5 * 2),           # A -> B and C
    ("incompatible", ("A", "B", "C"), 7 * 2),       # not all three
    ("compatible", ("A", "B", "C"), 8 + 1),          # subsets of ABC, plus {D}
    ("required", ("A", "B"), 4),
])
def test_each_kind(kind, args, count):
    v = list("ABCD")
    r = check_against_oracle(v, [M(kind, args)], combos=[(), ("A",), ("A", "B"), ("A", "B", "C"), ("C", "D")])
    assert r.count == count


@pytest.mark.parametrize("kind,count", [
    ("exclusive", 5),        # {} and the 4 singletons
    ("incompatible", 15),    # all but ABCD
    ("compatible", 16),      # the whole set is whitelisted: no restriction
    ("required", 1),
])
def test_all_exts(kind, count):
    r = check_against_oracle(list("ABCD"), [M(kind, (ALL_EXTS,))], combos=[(), ("A",), ("A", "B"), tuple("ABCD")])
    assert r.count == count


def test_all_exts_in_requires():
    v = list("ABC")
    # A requires everything; the implied A -> A is neither a constraint nor a cycle.
    r = check_against_oracle(v, [M("requires", ("A", ALL_EXTS))], combos=[("A",), ("A", "B", "C")])
    assert r.count == 5 and r.requires_cycles == []
    # Each variant requires C (the caller rejects an ALL_EXTS source, but it has a meaning here).
    r = check_against_oracle(v, [M("requires", (ALL_EXTS, "C"))], combos=[("A",), ("A", "C"), ("C",)])
    assert r.count == 5  # {}, {C}, {A,C}, {B,C}, {A,B,C}
    assert r.requires_cycles == []


def test_compatible_whitelist_is_shared():
    v = list("ABCD")
    marks = [M("compatible", ("A", "B")), M("compatible", ("C", "D")), M("compatible", ("B", "C"))]
    r = check_against_oracle(v, marks, combos=[("A", "C"), ("A", "B"), ("B", "C", "D"), ("D",)])
    assert r.count == 1 + 4 + 3
    # Off the whitelist: the first compatible mark is the one named, wherever the list is.
    assert first_violated(v, [M("required", ("D",))] + marks, ["A", "C", "D"]) == 1


def test_unsatisfiable_minimal_conflict():
    v = list("ABCDE")
    marks = [
        M("exclusive", ("D", "E")),         # 0 irrelevant
        M("required", ("A",)),              # 1
        M("requires", ("A", "B")),          # 2
        M("requires", ("B", "C")),          # 3
        M("required", ("E",)),              # 4 irrelevant to the conflict
        M("incompatible", ("A", "C")),      # 5
        M("requires", ("A", "C")),          # 6 a second derivation of C
    ]
    r = check_against_oracle(v, marks)
    assert not r.satisfiable and r.count == 0
    assert r.conflict in ([1, 5, 6], [1, 2, 3, 5])
    assert r.dead == {}


def test_unsat_by_whitelist():
    r = check_against_oracle(list("ABC"), [M("required", ("A", "B")), M("compatible", ("A", "C")),
                                            M("compatible", ("B", "C"))])
    assert not r.satisfiable and len(r.conflict) == 2


def test_dead_variants_with_reasons():
    v = list("ABCD")
    marks = [M("required", ("A",)), M("exclusive", ("A", "B")), M("requires", ("C", "B")), M("requires", ("D", "A"))]
    r = check_against_oracle(v, marks)
    assert r.satisfiable
    assert r.dead == {"B": [0, 1], "C": [0, 1, 2]}


def test_forbidden_compatible():
    v = list("ABCD")
    marks = [M("exclusive", ("A", "B")), M("compatible", ("A", "B", "C")), M("compatible", ("C", "D"))]
    r = check_against_oracle(v, marks)
    assert r.forbidden_compatible == {1: [0]}
    # A list that needs a variant outside itself is forbidden by the whitelist (with the requires).
    marks = [M("requires", ("A", "D")), M("compatible", ("A", "B")), M("compatible", ("A", "D"))]
    r = check_against_oracle(v, marks)
    assert r.forbidden_compatible == {1: [0]}


def test_requires_cycles():
    v = list("ABCDE")
    marks = [M("requires", ("A", "B")), M("requires", ("B", "C")), M("exclusive", ("D", "E")),
             M("requires", ("C", "A")), M("requires", ("D", "E")), M("requires", ("E", "D"))]
    r = check_against_oracle(v, marks)
    assert r.cycle_paths == [["A", "B", "C", "A"], ["D", "E", "D"]]
    assert r.requires_cycles == [[0, 1, 3], [4, 5]]
    assert r.dead == {"D": [2, 4], "E": [2, 5]}


def test_self_loop_cycle():
    r = analyze(list("AB"), [M("requires", ("A", "A"))])  # the caller reports it as DBMT312 too
    assert r.cycle_paths == [["A", "A"]] and r.requires_cycles == [[0]]
    assert r.count == 4


def test_shortest_cycle_through_first_variant():
    v = list("ABCD")
    marks = [M("requires", ("A", "B", "C")), M("requires", ("B", "D")), M("requires", ("D", "A")),
             M("requires", ("C", "A"))]
    r = analyze(v, marks)
    assert r.cycle_paths == [["A", "C", "A"]] and r.requires_cycles == [[0, 3]]


def test_two_to_the_fifty():
    v = [f"V{i}" for i in range(50)]
    r = analyze(v, [M("exclusive", ("V0", "V1")), M("requires", ("V2", "V3"))])
    assert r.count == 2**46 * 3 * 3
    r = analyze(v, [])
    assert r.count == 2**50 and isinstance(r.count, int)


def test_large_enum_is_exact_without_enumeration():
    # 64 variants in 16 exclusive groups of 4 with a requires chain between group heads.
    v = [f"V{i}" for i in range(64)]
    marks = [M("exclusive", tuple(v[4 * g:4 * g + 4])) for g in range(16)]
    marks += [M("requires", (v[4 * g], v[4 * g + 4])) for g in range(15)]
    r = analyze(v, marks)
    # Heads h0..h15 with h_g -> h_{g+1}: once a head is in, every later group is pinned to its head.
    # count = sum over the first chosen head k (or none) of 4^k (groups before k pick {} or a non-head).
    expected = 4**16 + sum(4**k for k in range(16))
    assert r.count == expected


def test_hard_count_stops_at_its_budget_not_at_a_time():
    rnd = random.Random(7)
    v = [f"V{i}" for i in range(220)]
    marks = []
    for _ in range(330):
        a, b = rnd.sample(v, 2)
        marks.append(M("exclusive", (a, b)))
    r = analyze(v, marks, budget=200_000)
    assert r.stopped == "budget" and r.stopped_in == "count" and r.count is None
    assert 200_000 < r.work < 201_000  # stops at the first step past the budget
    assert r.satisfiable  # computed before the count, still valid
    # Without the count the same enum is cheap.
    r2 = analyze(v, marks, budget=200_000, want_count=False)
    assert not r2.gave_up and r2.count is None and r2.work < 20_000


# -- structure, not variants ---------------------------------------------------------------------------
def _fib(k):
    a, b = 0, 1
    for _ in range(k):
        a, b = b, a + b
    return a


def _triples_count(n):
    """Legal combinations of n variants under `%extensions_incompatible V2i V2i+1 V2i+2` for each
    triple along the row: a transfer matrix over the variant two triples share (in or out)."""
    m = len(range(0, n - 2, 2))
    out_, in_ = 1, 1  # V0 out, V0 in
    for _ in range(m):  # (a, b, c) with a known: c out 2 ways (b free); c in: 2 ways, or 1 if a is in
        out_, in_ = 2 * out_ + 2 * in_, 2 * out_ + 1 * in_
    return (out_ + in_) * 2 ** (n - 1 - 2 * m)


def shape(name, n):
    """Marks whose structure stays small however many variants: (variants, marks, closed-form count)."""
    v = [f"V{i}" for i in range(n)]
    chain = [M("requires", (v[i], v[i + 1])) for i in range(n - 1)]
    return v, *{
        "exclusive ALL_EXTS": ([M("exclusive", (ALL_EXTS,))], n + 1),
        "required some": ([M("required", tuple(v[: n // 3]))], 2 ** (n - n // 3)),
        "requires chain": (chain, n + 1),
        "requires chain backwards": (chain[::-1], n + 1),
        "requires chain reversed edges": ([M("requires", (v[i + 1], v[i])) for i in range(n - 1)], n + 1),
        "incompatible ALL_EXTS": ([M("incompatible", (ALL_EXTS,))], 2 ** n - 1),
        "compatible ALL_EXTS": ([M("compatible", (ALL_EXTS,))], 2 ** n),
        "required some + requires chain": ([M("required", (v[n // 2],))] + chain, n // 2 + 1),
        "exclusive ALL_EXTS + requires chain": ([M("exclusive", (ALL_EXTS,))] + chain, 2),
        "exclusive ALL_EXTS + required": ([M("exclusive", (ALL_EXTS,)), M("required", (v[1],))], 1),
        "exclusive pairs": ([M("exclusive", (v[2 * i], v[2 * i + 1])) for i in range(n // 2)],
                            3 ** (n // 2) * 2 ** (n % 2)),
        "incompatible pairs on a path": ([M("incompatible", (v[i], v[i + 1])) for i in range(n - 1)], _fib(n + 2)),
        "one requires all": ([M("requires", (v[0], ALL_EXTS))], 1 + 2 ** (n - 1)),
        "all require one": ([M("requires", (v[i], v[0])) for i in range(1, n)], 1 + 2 ** (n - 1)),
        "requires star with redundant edges": ([M("requires", (v[0], *v[1:]))] + chain[1:], n + 1),
        "requires chain with exclusive ends": (chain + [M("exclusive", (v[0], v[-1]))], n),
        "incompatible triples along a row": ([M("incompatible", (v[i], v[i + 1], v[i + 2])) for i in range(0, n - 2, 2)],
                                             _triples_count(n)),
        "compatible halves": ([M("compatible", tuple(v[: n // 2])), M("compatible", tuple(v[n // 2:]))],
                              2 ** (n // 2) + 2 ** (n - n // 2) - 1),
    }[name]


SHAPES = ["exclusive ALL_EXTS", "required some", "requires chain", "requires chain backwards",
          "requires chain reversed edges", "incompatible ALL_EXTS", "compatible ALL_EXTS",
          "required some + requires chain", "exclusive ALL_EXTS + requires chain", "exclusive ALL_EXTS + required",
          "exclusive pairs", "incompatible pairs on a path", "one requires all", "all require one",
          "requires star with redundant edges", "requires chain with exclusive ends",
          "incompatible triples along a row", "compatible halves"]


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("n", [2, 5, 11])
def test_shapes_against_the_oracle(name, n):
    v, marks, expect = shape(name, n)
    r = check_against_oracle(v, marks)
    assert r.count == expect


@pytest.mark.parametrize("name", SHAPES)
def test_shapes_at_5000_variants_are_exact_within_a_small_budget(name):
    """5,000 variants, the count by its closed form; the work is bounded by the marks' structure:
    every one of these fits in a tenth of the default budget (no test of time)."""
    v, marks, expect = shape(name, 5000)
    r = analyze(v, marks, budget=DEFAULT_BUDGET // 10)
    assert r.stopped is None, (r.stopped_in, r.work)
    assert r.count == expect


def test_work_grows_linearly_with_the_variants_of_a_shape():
    def steps(n):  # the budget weighs a step by the masks' length: 1 + n // WIDE units
        return analyze(*shape(name, n)[:2]).work // (1 + n // WIDE)

    for name in ("exclusive ALL_EXTS", "requires chain", "incompatible pairs on a path",
                 "exclusive ALL_EXTS + requires chain", "one requires all", "incompatible triples along a row",
                 "requires chain with exclusive ends"):
        w1, w4 = steps(1000), steps(4000)
        assert w4 < 5 * w1, (name, w1, w4)


def test_first_violated_rejects_unknown_names():
    with pytest.raises(ValueError):
        first_violated(list("AB"), [], ["Z"])
    with pytest.raises(ValueError):
        analyze(list("AB"), [M("exclusive", ("A", "Z"))])


def test_oracle_agrees_on_medium_random_enums():
    # Larger than the hypothesis enums: exercises decomposition and caching in the counter.
    rnd = random.Random(2024)
    for _ in range(12):
        n = rnd.randint(14, 17)
        v = [f"V{i}" for i in range(n)]
        marks = [_random_mark(rnd, v) for _ in range(rnd.randint(5, 25))]
        check_against_oracle(v, marks)


def _random_mark(rnd, v):
    kind = rnd.choice(["exclusive", "exclusive", "requires", "requires", "incompatible", "compatible", "required"])
    if kind == "requires":
        src = rnd.choice(v)
        return M(kind, (src, *rnd.sample([x for x in v if x != src], rnd.randint(1, 2))))
    if rnd.random() < 0.05:
        return M(kind, (ALL_EXTS,))
    size = {"exclusive": (2, 3), "incompatible": (2, 4), "compatible": (2, 7), "required": (1, 1)}[kind]
    return M(kind, tuple(rnd.sample(v, min(len(v), rnd.randint(*size)))))


# -- property test ------------------------------------------------------------------------------------
@st.composite
def enums(draw):
    n = draw(st.integers(1, 12))
    v = [f"V{i}" for i in range(n)]
    marks = []
    for _ in range(draw(st.integers(0, 10))):
        kind = draw(st.sampled_from(["exclusive", "exclusive", "requires", "requires", "requires",
                                     "incompatible", "compatible", "compatible", "required"]))
        if kind == "requires":
            src = ALL_EXTS if draw(st.integers(0, 19)) == 0 else draw(st.sampled_from(v))
            if draw(st.integers(0, 19)) == 0:
                sinks = [ALL_EXTS]
            else:
                pool = [x for x in v if x != src]
                sinks = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True)) if pool else []
            marks.append(M(kind, (src, *sinks)))
        elif draw(st.integers(0, 9)) == 0:
            marks.append(M(kind, (ALL_EXTS,)))
        else:
            lo, hi = {"exclusive": (2, 4), "incompatible": (1, 4), "compatible": (1, 6), "required": (1, 2)}[kind]
            args = draw(st.lists(st.sampled_from(v), min_size=min(lo, n), max_size=min(hi, n), unique=True))
            marks.append(M(kind, tuple(args)))
    combos = draw(st.lists(st.lists(st.sampled_from(v), unique=True, max_size=n), max_size=6))
    return v, marks, combos


@settings(max_examples=300, deadline=None)
@given(enums())
def test_matches_brute_force(case):
    v, marks, combos = case
    check_against_oracle(v, marks, combos)


def test_one_exclusive_group_of_many_variants_holds_linear_memory():
    """`%extension_exclusive ALL_EXTS` over n variants: every variant excludes the n − 1 others,
    but the analysis does not hold n masks of n bits (quadratic: 1.8 GB at 110,000 variants);
    the peak of what it allocates grows with n, not n²."""
    import tracemalloc

    def peak(n: int) -> int:
        v = [f"V{i}" for i in range(n)]
        tracemalloc.start()
        try:
            r = analyze(v, [M("exclusive", (ALL_EXTS,))])
            assert r.satisfiable and r.count == n + 1  # none, or exactly one
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    small, big = peak(2_000), peak(16_000)
    # 16,000 variants' n² masks were 16,000² / 8 × 3 ≈ 96 MB; linear growth is 8× the small one.
    assert big < 16 * small, (small, big)
    assert big < 40_000_000, big
