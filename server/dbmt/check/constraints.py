"""Exact analysis of an extension enum's constraint marks (§6): legality, conflicts, dead variants, counts.

A *combination* is a set of variants (the empty set included). The marks, in declaration order:

- ``exclusive A B …``   at most one of them;
- ``requires S T1 …``   if S is in it, so is every Ti;
- ``incompatible A B …`` not all of them together;
- ``compatible A B …``  a whitelist: once any compatible mark exists, a combination of two or more
  variants is legal only if it is a subset of some compatible list;
- ``required A …``      all of them, always.

``ALL_EXTS`` stands for every variant. As a ``requires`` source it means "each variant" (every
variant requires the sinks); the implied self-edge V→V of an ALL_EXTS expansion is a tautology and is
neither a constraint nor a cycle.

How it stays exact without enumerating 2^n subsets
---------------------------------------------------
Every mark except ``compatible`` is a Horn clause over "variant is in the combination": required is a
positive unit, requires is S→T, exclusive and incompatible are purely negative clauses. Horn clauses
have least models, and the whitelist is closed under subsets, so *some legal combination contains
the set Q* exactly when the least model of "required ∪ Q" (Q closed under requires) is itself legal.
That one fact answers satisfiability (Q = ∅), dead variants (Q = {v}), forbidden compatible lists
(Q = the list) and co-occurrence (Q = {a, b}) in polynomial time, with no SAT solver. Explanations
(minimal conflict / responsible mark sets) are seeded from a shortest least-model derivation and
shrunk by deletion until irreducible.

Counting Horn models is #P-complete, so the count is a component-caching DPLL model counter
(the sharpSAT scheme) over bitmasks, specialised to these clause shapes; the whitelist is handled by
inclusion–exclusion over the distinct intersections of the compatible lists. (pyganak was measured
first: it runs tree-decomposition heuristics on every call, ~25 ms for a 64-variant requires chain
and seconds for random 64-variable formulas, far off the 50 ms / 250 ms targets.)

Cost follows the marks' structure, not the number of variants: a component that is one exclusive
group counts as k + 1, one incompatible clause as 2^k − 1, a requires forest by dynamic programming
over the tree; a large exclusive group is branched on as one (k + 1)-way choice; exclusivity is
checked per group or per variant, whichever is fewer; the requires closures come from the condensed
graph, both ways, never from a scan of every pair. The recursion is driven by an explicit stack
(``_drive``), so depth is bounded by the budget, never by Python's recursion limit.

The work budget
---------------
Every phase charges a ``Work`` counter in *steps* (roughly one visit of a variant, a mark or a
clause by an inner loop; one counter node costs its component's size). Past ``budget`` steps the
analysis stops with ``stopped == "budget"``. Steps depend on the input only, so one input gives one
answer on every machine, however busy. ``deadline_s`` is a separate wall-clock safety net for the
language server only (the CLI never passes it); it stops with ``stopped == "deadline"``, which the
checker reports under its own code (DBMT901), never as the budget's (DBMT315).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import compress
from typing import Iterable

ALL_EXTS = "ALL_EXTS"
KINDS = ("exclusive", "requires", "incompatible", "compatible", "required")

# The default work budget, in steps. Measured (bench/constraints_bench.py, tests/check/): the bench's
# 64-variant, 100-mark profiles take at most ~50 k steps, the 64-variant, 100-clause enum of
# tests/check/data/incompatible_64x100.txt ~1.2 M, every 5,000-variant shape of the bench under 2 M.
# Used up, the analysis has run for seconds (about a million steps a second on one core), not minutes.
DEFAULT_BUDGET = 10_000_000

# Masks of more variants than this cost more than one step per operation (see Work).
WIDE = 2048

# With a deadline, the clock is read once per this many steps (reading it is not free).
CLOCK_EVERY = 8192

# The counter's cache is cleared when it holds this many components (memory stays bounded; the
# answer and the step count stay functions of the input alone).
CACHE_MAX = 400_000

# An exclusive group with at least this many free members in a component is branched on as one
# (k + 1)-way choice instead of variant by variant.
GROUP_BRANCH_MIN = 8

# A component with clauses is tried as a tree from this many variants.
TREE_WITH_CLAUSES_MIN = 24

# Up to this many clauses, the component search scans them all on each of its rounds.
CLAUSE_SCAN_MAX = 64

PHASES = ("requires cycles", "satisfiability", "conflict", "dead variants", "compatible lists", "count")


@dataclass(frozen=True)
class ConstraintMark:
    """One constraint mark. ``args`` are variant names in source order, possibly ``ALL_EXTS``;
    for ``requires`` args[0] is the source and args[1:] the sinks."""

    kind: str
    args: tuple[str, ...]


@dataclass
class ConstraintAnalysis:
    """The exact analysis of one enum's constraint set; mark references are indices into ``marks``.

    - ``conflict``: when unsatisfiable, an irreducible set of marks that on their own admit no legal
      combination (dropping any one of them admits one).
    - ``dead``: variant → an irreducible set of marks under which the variant is in no legal
      combination. Empty when unsatisfiable (the conflict is the only finding then).
    - ``forbidden_compatible``: compatible mark → an irreducible set of *other* marks that, together
      with it, leave no legal combination containing its whole list. Empty when unsatisfiable.
    - ``requires_cycles`` / ``cycle_paths``: one simple cycle per cyclic strongly connected component of
      the requires graph, as mark indices along the cycle and as the variant path ``[A, B, …, A]``.
    - ``count``: the exact number of legal combinations (the empty set included).
    - ``stopped``: None when the analysis finished; ``"budget"`` when it used up its work budget
      (deterministic), ``"deadline"`` when the caller's wall-clock deadline passed (language server
      only). ``stopped_in`` names the phase that was running (one of ``PHASES``): its field and those
      of the phases after it are left None/empty (never partial), so nothing left here is a false
      finding.
    - ``work``: the steps spent; ``budget``: the steps allowed.
    """

    variants: list[str]
    marks: list[ConstraintMark]
    satisfiable: bool | None
    conflict: list[int] = field(default_factory=list)
    dead: dict[str, list[int]] = field(default_factory=dict)
    forbidden_compatible: dict[int, list[int]] = field(default_factory=dict)
    requires_cycles: list[list[int]] = field(default_factory=list)
    cycle_paths: list[list[str]] = field(default_factory=list)
    count: int | None = None
    stopped: str | None = None
    stopped_in: str | None = None
    work: int = 0
    budget: int = 0
    _theory: _Theory | None = field(default=None, repr=False, compare=False)
    _pairs: set[frozenset[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def gave_up(self) -> bool:
        """The analysis did not finish (budget or deadline)."""
        return self.stopped is not None

    def can_co_occur(self, a: str, b: str) -> bool:
        """Some legal combination contains both ``a`` and ``b`` (for a == b: ``a`` is not dead)."""
        th = self._theory
        if th is None or not self.satisfiable:
            return False
        pos = th.pos
        return th.legal(th.least_of[pos[a]] | th.least_of[pos[b]])

    def co_occurring(self, a: str) -> list[str]:
        """The other variants that some legal combination holds together with ``a``, in declaration
        order. Variants exclusive with a's least model are ruled out by one mask operation, so an
        enum under one big exclusive mark answers at once."""
        th = self._theory
        if th is None or not self.satisfiable:
            return []
        i = th.pos[a]
        la = th.least_of[i]
        if not th.legal(la):
            return []
        cand = th.full & ~th.excl_of(la) & ~(1 << i)
        names = th.variants
        return [names[b] for b in _bits(cand) if th.legal(la | th.least_of[b])]

    def co_occurring_pairs(self) -> set[frozenset[str]]:
        """Every pair of distinct variants that some legal combination contains (memoised)."""
        if self._pairs is None:
            th = self._theory
            self._pairs = set() if th is None or not self.satisfiable else th.pairs()
        return set(self._pairs)


# -- the work budget ---------------------------------------------------------------------------------
class _Stop(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Work:
    """Steps spent by one analysis against its budget, and the optional wall-clock deadline.

    A step over the masks of an enum of n variants counts ``1 + n // WIDE`` against the budget:
    those masks are n bits long, and an operation on them costs accordingly."""

    __slots__ = ("limit", "used", "unit", "deadline", "_clock_at")

    def __init__(self, limit: int, deadline_s: float | None = None, n_variants: int = 0):
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"the work budget must be a positive number of steps, got {limit!r}")
        self.limit = limit
        self.used = 0
        self.unit = 1 + n_variants // WIDE
        self.deadline = None if deadline_s is None else time.perf_counter() + deadline_s
        self._clock_at = CLOCK_EVERY

    def spend(self, steps: int) -> None:
        used = self.used = self.used + steps * self.unit
        if used > self.limit:
            raise _Stop("budget")
        if self.deadline is not None and used >= self._clock_at:
            self._clock_at = used + CLOCK_EVERY
            if time.perf_counter() > self.deadline:
                raise _Stop("deadline")


_BIT_OF_DIGIT = bytes.maketrans(b"01", b"\x00\x01")


class _Masks:
    """``masks[v]`` for v < n, computed when asked: per-variant masks that are mostly one shared
    mask (an exclusive group of all n variants makes every ``excl[v]`` the group minus v) would
    be n masks of n bits held at once, quadratic memory (1.8 GB for an enum of 110,000 variants
    under one ``%extension_exclusive ALL_EXTS``). Each read costs what building that one mask
    costs."""

    __slots__ = ("n", "_get")

    def __init__(self, n: int, get):
        self.n = n
        self._get = get

    def __getitem__(self, v: int) -> int:
        return self._get(v)

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        return map(self._get, range(self.n))


def _bits(mask: int) -> list[int]:
    """Positions of the set bits of ``mask``, lowest first. A dense mask is read through its binary
    digits (one pass in C) rather than bit by bit (each step a big-integer operation)."""
    if not mask & (mask - 1):
        return [mask.bit_length() - 1] if mask else []
    if mask.bit_count() <= 8:
        out = []
        while mask:
            low = mask & -mask
            out.append(low.bit_length() - 1)
            mask ^= low
        return out
    digits = bin(mask)[:1:-1].encode().translate(_BIT_OF_DIGIT)
    return list(compress(range(len(digits)), digits))


def _drive(gen):
    """Run a generator-based recursion on an explicit stack: a generator yields the generator of a
    sub-call and receives its result. Depth costs heap, not Python frames."""
    stack = [gen]
    value = None
    while True:
        try:
            sub = stack[-1].send(value)
        except StopIteration as done:
            stack.pop()
            if not stack:
                return done.value
            value = done.value
            continue
        stack.append(sub)
        value = None


# A compiled mark is (kind, mask, src): for requires, mask = sinks and src = source(s); for the
# others mask = the listed variants and src = 0. ALL_EXTS is already expanded into the masks.
_CMark = tuple[str, int, int]


def _compile(variants: list[str], marks: list[ConstraintMark]) -> tuple[dict[str, int], list[_CMark]]:
    pos = {v: i for i, v in enumerate(variants)}
    full = (1 << len(variants)) - 1

    def mask_of(names: Iterable[str]) -> int:
        m = 0
        for a in names:
            if a == ALL_EXTS:
                m |= full
            else:
                try:
                    m |= 1 << pos[a]
                except KeyError:
                    raise ValueError(f"unknown variant {a!r}") from None
        return m

    out: list[_CMark] = []
    for mk in marks:
        if mk.kind not in KINDS:
            raise ValueError(f"unknown constraint kind {mk.kind!r}")
        if mk.kind == "requires":
            out.append(("requires", mask_of(mk.args[1:]), mask_of(mk.args[:1])))
        else:
            out.append((mk.kind, mask_of(mk.args), 0))
    return pos, out


def _violates(cm: _CMark, c: int) -> bool:
    """Whether combination ``c`` violates a non-compatible mark (compatible is a whitelist-level
    property, see ``_whitelisted``)."""
    kind, mask, src = cm
    if kind == "exclusive":
        return (c & mask).bit_count() >= 2
    if kind == "requires":
        return bool(c & src) and bool(mask & ~c)
    if kind == "incompatible":
        return c & mask == mask
    if kind == "required":
        return bool(mask & ~c)
    return False


def _whitelisted(c: int, lists: list[int]) -> bool:
    return not lists or (c & (c - 1)) == 0 or any(c & ~m == 0 for m in lists)


def first_violated(variants: list[str], marks: list[ConstraintMark], combination: Iterable[str]) -> int | None:
    """Index of the first mark (top to bottom) that ``combination`` violates, or None if it is legal.

    The compatible marks form one whitelist, so they are violated together: a combination of two or
    more variants that is a subset of no compatible list violates the *first* compatible mark.
    Raises ValueError for a name that is not a variant.
    """
    pos, cms = _compile(variants, marks)
    c = 0
    for name in combination:
        if name not in pos:
            raise ValueError(f"unknown variant {name!r}")
        c |= 1 << pos[name]
    lists = [m for k, m, _ in cms if k == "compatible"]
    off_whitelist = not _whitelisted(c, lists)
    for i, cm in enumerate(cms):
        if cm[0] == "compatible":
            if off_whitelist:
                return i
        elif _violates(cm, c):
            return i
    return None


# -- the requires graph ------------------------------------------------------------------------------
def _sccs(succ: list[int], work: Work | None = None) -> list[list[int]]:
    """Strongly connected components (Tarjan, iterative), sinks first."""
    n = len(succ)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    comps: list[list[int]] = []
    counter = 0
    steps = 0
    for root in range(n):
        if index[root] != -1:
            continue
        if not succ[root]:
            # A variant that requires nothing is its own component: no walk needed.
            index[root] = low[root] = counter
            counter += 1
            comps.append([root])
            continue
        work_stack = [(root, iter(_bits(succ[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work_stack:
            v, it = work_stack[-1]
            advanced = False
            for w in it:
                steps += 1
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work_stack.append((w, iter(_bits(succ[w]))))
                    advanced = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work_stack.pop()
            if work_stack:
                u = work_stack[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp.append(w)
                    if w == v:
                        break
                comps.append(sorted(comp))
        if work is not None and steps > 4096:
            work.spend(steps)
            steps = 0
    if work is not None:
        work.spend(steps + n)
    return comps


def _transitive_closure(succ: list[int], work: Work | None = None, comps: list[list[int]] | None = None) -> list[int]:
    """reqc[v] = everything reachable from v in one or more steps (v itself only on a cycle).
    SCCs by Tarjan (or ``comps``, every component after those it reaches), then one pass over the
    condensed graph in that order."""
    n = len(succ)
    if comps is None:
        comps = _sccs(succ, work)
    comp_of = [0] * n
    for ci, comp in enumerate(comps):
        for v in comp:
            comp_of[v] = ci
    reach = [0] * len(comps)
    steps = 0
    # Tarjan emits components sinks first, so successors' reach is ready.
    for ci, comp in enumerate(comps):
        if len(comp) == 1:
            v = comp[0]
            out = succ[v]
            if not out:
                continue
            members = 1 << v
            r = members if out & members else 0
        else:
            members = 0
            out = 0
            for v in comp:
                members |= 1 << v
                out |= succ[v]
            r = members
        done = 0  # successors already covered by another successor's reach
        for w in _bits(out & ~members):
            steps += 1
            if done >> w & 1:
                continue
            rw = reach[comp_of[w]]
            r |= (1 << w) | rw
            done |= rw
        reach[ci] = r
    if work is not None:
        work.spend(steps + n)
    return [reach[comp_of[v]] for v in range(n)]


def _requires_cycles(variants: list[str], marks: list[ConstraintMark], cms: list[_CMark],
                     comps: list[list[int]], work: Work) -> tuple[list[list[int]], list[list[str]]]:
    """One shortest cycle per cyclic component of the requires graph (``comps``: its strongly
    connected components; an explicit ``%extension_requires A A`` is a cycle too)."""
    n = len(variants)
    succ = [0] * n
    steps = 0
    for i, (kind, mask, src) in enumerate(cms):
        if kind != "requires":
            continue
        explicit_self = bool(marks[i].args) and marks[i].args[0] in marks[i].args[1:]
        for u in _bits(src):
            steps += 1
            # An ALL_EXTS expansion's V→V is not a written cycle.
            succ[u] |= mask if explicit_self else mask & ~(1 << u)
    work.spend(steps + 1)
    cyclic = [c for c in comps if len(c) > 1 or succ[c[0]] >> c[0] & 1]
    if not cyclic:
        return [], []

    def mark_of_edge(u: int, w: int) -> int:
        """The first mark that gives the edge u→w (edges are named only along a reported cycle)."""
        for i, (kind, mask, src) in enumerate(cms):
            if kind == "requires" and src >> u & 1 and mask >> w & 1:
                explicit_self = bool(marks[i].args) and marks[i].args[0] in marks[i].args[1:]
                if w != u or explicit_self:
                    return i
        raise AssertionError("edge without a mark")  # pragma: no cover

    cycles: list[list[int]] = []
    paths: list[list[str]] = []
    cyclic.sort(key=lambda c: c[0])
    for comp in cyclic:
        start = comp[0]
        members = 0
        for v in comp:
            members |= 1 << v
        # Shortest cycle through the component's first variant: BFS inside the component.
        if succ[start] >> start & 1:
            path = [start, start]
        else:
            parent = {start: -1}
            frontier = [start]
            end = -1
            while frontier and end < 0:
                nxt = []
                for u in frontier:
                    for w in _bits(succ[u] & members):
                        if w == start:
                            end = u
                            break
                        if w not in parent:
                            parent[w] = u
                            nxt.append(w)
                    if end >= 0:
                        break
                frontier = nxt
                work.spend(1 + len(nxt))
            path = [start]
            u = end
            while u != start:
                path.append(u)
                u = parent[u]
            path.append(start)
            path = [path[0]] + path[1:-1][::-1] + [start]
        work.spend(len(path) * (1 + len(cms)))
        cycles.append([mark_of_edge(path[k], path[k + 1]) for k in range(len(path) - 1)])
        paths.append([variants[v] for v in path])
    return cycles, paths


# -- the full mark set as propagation tables ---------------------------------------------------------
class _Theory:
    """The whole constraint set compiled to per-variant bitmask tables.

    ``reqc[v]``: every variant v transitively requires; ``rreqc[v]``: every variant that transitively
    requires v; ``groups``: the exclusive groups (exclusive marks, 2-variant incompatible marks), and
    ``excl[v]``: the variants that cannot be with v by one of them; ``neg``: the remaining incompatible
    clauses (≥ 3 variants, not implied by a group); ``forced_false``: variants a 1-variant
    incompatible bans; ``bottom``: an empty incompatible (violated by every combination); ``lists``:
    the maximal compatible lists.
    """

    def __init__(self, variants: list[str], pos: dict[str, int], cms: list[_CMark], work: Work):
        n = len(variants)
        self.variants, self.pos, self.n = variants, pos, n
        self.full = full = (1 << n) - 1
        succ = [0] * n
        excl = [0] * n
        required = forced_false = 0
        bottom = False
        neg: list[int] = []
        lists: list[int] = []
        groups: list[int] = []
        for kind, mask, src in cms:
            if kind == "required":
                required |= mask
            elif kind == "requires":
                for v in _bits(src):
                    succ[v] |= mask & ~(1 << v)  # V→V is a tautology
                work.spend(1 + src.bit_count())
            elif kind == "compatible":
                lists.append(mask)
            elif kind == "exclusive" or (kind == "incompatible" and mask.bit_count() == 2):
                if mask.bit_count() >= 2:
                    groups.append(mask)
            else:  # incompatible
                k = mask.bit_count()
                if k == 0:
                    bottom = True
                elif k == 1:
                    forced_false |= mask
                else:
                    neg.append(mask)
            work.spend(1)
        self.required, self.forced_false, self.bottom = required, forced_false, bottom
        self.groups = list(dict.fromkeys(groups))
        groups_of: list[list[int]] = [[] for _ in range(n)]
        # excl[v] is the union of v's groups without v, read through _Masks: `together[v]` is
        # that union with v, the group's own mask (one object) for a variant in one group.
        together = excl
        for gi, g in enumerate(self.groups):
            for v in _bits(g):
                together[v] = together[v] | g if together[v] else g
                groups_of[v].append(gi)
            work.spend(1 + g.bit_count())
        work.spend(n)

        def excl_of(v: int, together=together) -> int:
            m = together[v]
            b = 1 << v
            return m ^ b if m & b else m

        self.excl = excl = _Masks(n, excl_of)
        self.groups_of = groups_of
        self.big_groups = [g for g in self.groups if g.bit_count() >= GROUP_BRANCH_MIN]
        self.has_whitelist = bool(lists)
        # A list inside another adds nothing to the whitelist.
        uniq = sorted(set(lists), key=lambda m: -m.bit_count())
        work.spend(len(uniq) * len(uniq) + 1)
        self.lists = [m for i, m in enumerate(uniq) if not any(m & ~o == 0 for o in uniq[:i])]
        self.neg = self._reduce_clauses(neg, forced_false, excl, work)
        self.succ = succ
        # One Tarjan serves both ways: the reversed graph has the same components, in reverse order.
        self.comps = _sccs(succ, work)
        self.reqc = _transitive_closure(succ, work, self.comps)
        pred = [0] * n
        steps = 0
        for u in range(n):
            if succ[u]:
                ub = 1 << u
                for v in _bits(succ[u]):
                    pred[v] |= ub
                    steps += 1
        work.spend(steps + n)
        self.pred = pred
        self.rreqc = _transitive_closure(pred, work, self.comps[::-1])
        # Direct edges suffice for connectivity: a path through an assigned variant is never live.
        self.adj = _Masks(n, lambda v, succ=succ, pred=pred, excl=excl: succ[v] | pred[v] | excl[v])
        touched = linked = cyclic = 0
        for v in range(n):
            b = 1 << v
            if self.adj[v]:
                touched |= b
            if succ[v] | pred[v]:
                linked |= b
            if self.reqc[v] & b:
                cyclic |= b
        work.spend(n)
        self.touched, self.linked, self.cyclic = touched, linked, cyclic
        self.root = self.least(0)
        # Variants v for which {v} is base-legal (the whitelist never restricts singletons).
        self.single_ok = 0
        if not bottom:
            for v in range(n):
                b = 1 << v
                if (required | self.reqc[v]) & ~b == 0 and not (forced_false & b):
                    self.single_ok |= b
        self.least_of = _Masks(n, lambda v, root=self.root, reqc=self.reqc: root | reqc[v] | (1 << v))
        work.spend(2 * n + self.root.bit_count())

    @staticmethod
    def _reduce_clauses(neg: list[int], forced_false: int, excl: list[int], work: Work) -> list[int]:
        """Drop the incompatible clauses that a group, a banned variant or a smaller clause implies
        (they would only grow the counter's cache keys). Smaller clauses are found through an index
        by lowest variant, not by comparing every pair."""
        out: list[int] = []
        by_low: dict[int, list[int]] = {}
        steps = 0
        for c in sorted(set(neg), key=lambda m: (m.bit_count(), m)):
            steps += 1 + c.bit_count()
            if c & forced_false or any(excl[v] & c for v in _bits(c)):
                continue
            implied = False
            for v in _bits(c):
                for d in by_low.get(v, ()):
                    steps += 1
                    if d & ~c == 0:
                        implied = True
                        break
                if implied:
                    break
            if implied:
                continue
            out.append(c)
            by_low.setdefault((c & -c).bit_length() - 1, []).append(c)
        work.spend(steps)
        return out

    def least(self, q: int) -> int:
        """The least requires-closed superset of required ∪ q: the least model containing q."""
        m = self.required | q
        reqc = self.reqc
        for v in _bits(m):
            m |= reqc[v]
        return m

    def excl_of(self, m: int) -> int:
        """The variants some member of ``m`` excludes, by whichever is fewer: m's members or the
        groups."""
        groups = self.groups
        if not groups:
            return 0
        e = 0
        if m.bit_count() <= len(groups):
            excl = self.excl
            for v in _bits(m):
                e |= excl[v]
            return e
        for g in groups:
            mg = g & m
            if mg:
                e |= g if mg & (mg - 1) else g & ~mg
        return e

    def excl_violated(self, m: int) -> bool:
        """Whether two members of ``m`` share an exclusive group."""
        groups = self.groups
        if not groups:
            return False
        if m.bit_count() <= len(groups):
            excl = self.excl
            for v in _bits(m):
                if excl[v] & m:
                    return True
            return False
        for g in groups:
            mg = g & m
            if mg & (mg - 1):
                return True
        return False

    def legal(self, m: int, clauses: bool = True) -> bool:
        """Whether ``m`` (already requires-closed and containing required) is a legal combination
        (``clauses=False``: leaving out the incompatible clauses of three or more variants)."""
        if self.bottom or (m & self.forced_false) or self.excl_violated(m):
            return False
        if clauses:
            for c in self.neg:
                if c & m == c:
                    return False
        return not self.has_whitelist or _whitelisted(m, self.lists)

    def legal_cost(self, m: int) -> int:
        return 1 + min(m.bit_count(), len(self.groups)) + len(self.neg) + len(self.lists)

    def alive_mask(self, work: Work) -> int:
        """The variants some legal combination holds. A clause c is inside least(v) exactly when v
        transitively requires every member of c outside the root (or is it), so each clause's victims
        are one intersection of masks, not a test per variant."""
        rreqc, root = self.rreqc, self.root
        victims = 0
        steps = 1
        for c in self.neg:
            hit = self.full
            for u in _bits(c & ~root):
                hit &= rreqc[u] | (1 << u)
                steps += 1
                if not hit:
                    break
            victims |= hit
        work.spend(steps)
        alive = 0
        lm = self.least_of
        extra = 1 + len(self.lists)
        for v in range(self.n):
            if victims >> v & 1:
                continue
            m = lm[v]
            work.spend(extra + min(m.bit_count(), len(self.groups)))
            if self.legal(m, clauses=False):
                alive |= 1 << v
        return alive

    def pairs(self) -> set[frozenset[str]]:
        """All co-occurring pairs. The least model of {a, b} is least(a) ∪ least(b), so each pair costs
        a few mask operations on per-variant precomputations."""
        names = self.variants
        alive = [v for v in range(self.n) if self.legal(self.least_of[v])]
        lm = self.least_of
        ex = {v: self.excl_of(lm[v]) for v in alive}
        neg, lists, wl = self.neg, self.lists, self.has_whitelist
        out: set[frozenset[str]] = set()
        for i, a in enumerate(alive):
            ma, ea = lm[a], ex[a]
            for b in alive[i + 1:]:
                mb = lm[b]
                if ea & mb:
                    continue
                m = ma | mb
                if any(c & m == c for c in neg):
                    continue
                if wl and not any(m & ~x == 0 for x in lists):
                    continue
                out.add(frozenset((names[a], names[b])))
        return out


# -- explanations ------------------------------------------------------------------------------------
class _Explainer:
    """Irreducible sets of marks that explain why no legal combination contains a set ``must``."""

    def __init__(self, cms: list[_CMark], work: Work):
        self.cms = cms
        self.work = work
        # requires marks by source variant, and exclusive/incompatible marks by member, in mark
        # order: least models by worklist, not by sweeping every mark until nothing changes, and a
        # violation is seen the moment its last member comes in.
        by_src: dict[int, list[tuple[int, int]]] = {}
        checks_of: dict[int, list[int]] = {}
        self.always_violated = -1  # an empty incompatible mark
        steps = 1
        for i, (kind, mask, src) in enumerate(cms):
            steps += 1
            if kind == "requires" and mask and src:
                for v in _bits(src):
                    by_src.setdefault(v, []).append((i, mask))
                steps += src.bit_count()
            elif kind in ("exclusive", "incompatible"):
                if not mask and kind == "incompatible" and self.always_violated < 0:
                    self.always_violated = i
                for v in _bits(mask):
                    checks_of.setdefault(v, []).append(i)
                steps += mask.bit_count()
        work.spend(steps)
        self.by_src = by_src
        self.checks_of = checks_of
        self.compat = [i for i, cm in enumerate(cms) if cm[0] == "compatible"]
        self.required = [i for i, cm in enumerate(cms) if cm[0] == "required"]

    def _derive(self, must: int):
        """A breadth-first derivation of the least model containing ``must`` (every reason chain is
        shortest), stopped at the first exclusive or incompatible mark it violates. Returns the
        model so far, each derived variant's (mark, variant that triggered it or -1), its depth, and
        the violated mark with the members that violate it (-1 and 0 when none is)."""
        cms = self.cms
        checks_of = self.checks_of
        m = 0
        reason: dict[int, tuple[int, int]] = {}
        depth: dict[int, int] = {}
        queue: list[int] = []
        steps = 1
        if self.always_violated >= 0:
            self.work.spend(steps)
            return must, reason, depth, self.always_violated, 0

        def admit(w: int) -> tuple[int, int]:
            """Add w to the model; the first mark its arrival violates, with the offending members."""
            nonlocal m, steps
            m |= 1 << w
            for i in checks_of.get(w, ()):
                kind, mask, _ = cms[i]
                steps += 1
                inside = m & mask
                if kind == "exclusive":
                    if inside & (inside - 1):
                        return i, inside
                elif inside == mask:
                    return i, inside
            return -1, 0

        for v in _bits(must):
            depth[v] = 0
            queue.append(v)
            hit = admit(v)
            if hit[0] >= 0:
                self.work.spend(steps)
                return m, reason, depth, hit[0], hit[1]
        for i in self.required:
            for v in _bits(cms[i][1] & ~m):
                reason[v], depth[v] = (i, -1), 1
                queue.append(v)
                hit = admit(v)
                if hit[0] >= 0:
                    self.work.spend(steps)
                    return m, reason, depth, hit[0], hit[1]
        by_src = self.by_src
        k = 0
        while k < len(queue):
            v = queue[k]
            k += 1
            dv = depth[v] + 1
            for i, sink in by_src.get(v, ()):
                steps += 1
                for w in _bits(sink & ~m):
                    reason[w], depth[w] = (i, v), dv
                    queue.append(w)
                    hit = admit(w)
                    if hit[0] >= 0:
                        self.work.spend(steps)
                        return m, reason, depth, hit[0], hit[1]
        self.work.spend(steps)
        return m, reason, depth, -1, 0

    def infeasible(self, active: Iterable[int], must: int) -> bool:
        """No legal combination of the sub-enum made of marks ``active`` contains ``must``."""
        cms = self.cms
        m = must
        by_src: dict[int, list[int]] = {}
        checks: list[_CMark] = []
        lists: list[int] = []
        steps = 0
        for i in active:
            steps += 1
            kind, mask, src = cm = cms[i]
            if kind == "required":
                m |= mask
            elif kind == "requires":
                if src and mask:
                    for v in _bits(src):
                        by_src.setdefault(v, []).append(mask)
                    steps += src.bit_count()
            elif kind == "compatible":
                lists.append(mask)
            else:
                checks.append(cm)
        if by_src:
            todo = m
            while todo:
                low = todo & -todo
                todo ^= low
                for sink in by_src.get(low.bit_length() - 1, ()):
                    steps += 1
                    new = sink & ~m
                    if new:
                        m |= new
                        todo |= new
        self.work.spend(steps + 1)
        return any(_violates(cm, m) for cm in checks) or not _whitelisted(m, lists)

    def _single_derivation(self, seed: set[int], violated: int, must: int, members: int) -> bool:
        """Whether the seed is irreducible as it stands: besides the violated mark it holds only
        requires marks of one source and required marks, no two of them can bring in the same
        variant, and all they can bring in meets the violated mark in its offending members only.
        Then each pulled variant has one way in, dropping any mark loses a member of the violation
        (and no other member can stand in), and dropping the violated mark leaves no check:
        deletion would confirm every mark at the cost of a closure each (quadratic along a long
        requires chain)."""
        cms = self.cms
        brought = 0
        self.work.spend(1 + len(seed))
        for i in seed:
            if i == violated:
                continue
            kind, mask, src = cms[i]
            if kind == "requires":
                if src & (src - 1):
                    return False
            elif kind != "required":
                return False
            if mask & brought:
                return False
            brought |= mask
        return (must | brought) & cms[violated][1] == members

    def explain(self, must: int, pinned: tuple[int, ...] = ()) -> list[int]:
        """An irreducible set of marks (besides ``pinned``, always present) under which no legal
        combination contains ``must``; the caller knows the full set already has that property.

        The seed is the least-model derivation (the marks that pulled the offending variants in, plus
        the violated mark), so deletion only runs over a handful of marks. With a compatible mark in
        play deletion is repeated to a fixpoint, because the whitelist is not monotone: dropping one
        compatible list narrows it, dropping the last one removes it.
        """
        cms = self.cms
        pinned_set = set(pinned)
        m, reason, depth, violated, members = self._derive(must)
        seed: set[int] = set()
        steps = 1

        def pull(v: int) -> None:
            nonlocal steps
            while v in reason:
                i, cause = reason[v]
                seed.add(i)
                steps += 1
                if cause < 0:
                    return
                v = cause

        def shallowest(mask: int, count: int) -> list[int]:
            got = sorted(_bits(mask), key=lambda v: (depth.get(v, 0), v))
            return got[:count]

        if violated >= 0:
            seed.add(violated)
            for v in _bits(members):
                pull(v)
            steps += members.bit_count()
        else:
            compat = self.compat
            if compat and not _whitelisted(m, [cms[i][1] for i in compat]):
                # One list suffices to show it: with a single compatible mark the whitelist is that list.
                j = next((i for i in compat if i in pinned_set), compat[0])
                seed.add(j)
                first = shallowest(m & ~cms[j][1], 1)[0]
                pull(first)
                others = shallowest(m & ~(1 << first), 1)
                steps += 2 * m.bit_count()
                if others:
                    pull(others[0])  # the whitelist only bites on two or more variants
        self.work.spend(steps)
        seed -= pinned_set
        if violated >= 0 and not pinned and self._single_derivation(seed, violated, must, members):
            return sorted(seed)
        if not self.infeasible(seed | pinned_set, must):
            seed = set(range(len(cms))) - pinned_set  # defensive: never report an insufficient set
        kept = sorted(seed)
        monotone = not any(cms[i][0] == "compatible" for i in list(kept) + list(pinned))
        progress = True
        while progress:
            progress = False
            for i in list(kept):
                trial = [k for k in kept if k != i]
                if self.infeasible(trial + list(pinned), must):
                    kept = trial
                    progress = not monotone
        return kept


# -- exact model counting ----------------------------------------------------------------------------
class _Counter:
    """Counts base-legal combinations (all marks but the whitelist) inside an allowed set.

    DPLL over variants with exact propagation, splitting the free variants into independent components
    (counts multiply) and caching each component's count by (its variants, its residual clauses). The
    residual formula of a component is determined by that key: requires and exclusive edges are static
    and restricted to free variants; only incompatible clauses shrink. A component of one known shape
    is counted in closed form (one exclusive group: k + 1; one clause: 2^k − 1; a requires forest: a
    dynamic program over the tree); otherwise it branches on a large exclusive group as one choice,
    or on its most connected variant.

    Invariant on the free set: no free variant requires an assigned-false one (its rreqc went false
    with it) and none is exclusive with an assigned-true one (excl of every true variant went false).
    """

    def __init__(self, th: _Theory, work: Work):
        self.th = th
        self.cache: dict[object, int] = {}
        self.work = work

    def within(self, allowed: int) -> int:
        th = self.th
        if th.bottom:
            return 0
        rreqc = th.rreqc
        t = th.root
        f = (th.full & ~allowed) | th.forced_false
        self.work.spend(1 + f.bit_count() + len(th.neg))
        for v in _bits(f & th.linked):
            f |= rreqc[v]
        if t & f:
            return 0
        if th.excl_violated(t):
            return 0
        ex = th.excl_of(t)
        self.work.spend(1 + min(t.bit_count(), len(th.groups)))
        for v in _bits(ex & ~f):
            f |= (1 << v) | rreqc[v]
        if t & f:
            return 0
        units = 0
        kept = []
        for c in th.neg:
            if c & f:
                continue
            c2 = c & ~t
            if not c2:
                return 0
            if c2 & (c2 - 1):
                kept.append(c2)
            else:
                units |= c2
        if units:
            for v in _bits(units):
                f |= (1 << v) | rreqc[v]
            if t & f:
                return 0
            kept = [c for c in kept if not c & f]
        total, todo = self._split(th.full & ~t & ~f, kept)
        return _drive(self._finish(total, todo)) if todo and total else total

    def _split(self, free: int, clauses: list[int]) -> tuple[int, list]:
        """The free variants' independent components: the product of the counts already known
        (isolated variants, cached components) and the components still to count."""
        th = self.th
        adj = th.adj
        cache = self.cache
        cv = 0
        for c in clauses:
            cv |= c
        # Variants with no constraint left among the free ones count twice each.
        iso = free & ~th.touched & ~cv
        total = 1 << iso.bit_count()
        rest = free & ~iso
        steps = 1 + len(clauses)
        todo = []
        by_var = used = None
        while rest:
            low = rest & -rest
            if not (adj[low.bit_length() - 1] & free) and not (low & cv):
                total <<= 1  # alone now that its neighbours are assigned
                rest ^= low
                steps += 1
                continue
            comp = frontier = low
            while frontier:
                nb = 0
                f = frontier
                while f:
                    lo = f & -f
                    nb |= adj[lo.bit_length() - 1]
                    f ^= lo
                    steps += 1
                if frontier & cv:
                    if by_var is None and len(clauses) > CLAUSE_SCAN_MAX:
                        # Many clauses: reach them through their variants, each clause once, rather
                        # than scanning all of them on every round of the search.
                        by_var = {}
                        for ci, c in enumerate(clauses):
                            for v in _bits(c):
                                by_var.setdefault(v, []).append(ci)
                            steps += 1 + c.bit_count()
                        used = bytearray(len(clauses))
                    if by_var is None:
                        for c in clauses:
                            if c & frontier:
                                nb |= c
                        steps += len(clauses)
                    else:
                        for v in _bits(frontier & cv):
                            for ci in by_var[v]:
                                if not used[ci]:
                                    used[ci] = 1
                                    nb |= clauses[ci]
                                steps += 1
                nb &= free & ~comp
                comp |= nb
                frontier = nb
            rest &= ~comp
            if cv & comp:
                cc = [c for c in clauses if c & comp]
                key = (comp, tuple(sorted(cc)))
            else:
                cc = []
                key = comp
            got = cache.get(key)
            if got is None:
                todo.append((comp, cc, key))
            elif got:
                total *= got
            else:
                todo = []
                total = 0
                break
        self.work.spend(steps)
        return total, todo

    def _finish(self, total: int, todo: list):
        """The product of ``total`` and the counts of the components in ``todo`` (a generator for
        ``_drive``); a zero ends it."""
        cache = self.cache
        for comp, cc, key in todo:
            got = cache.get(key)  # a sibling may have counted the same component meanwhile
            if got is None:
                got = yield self._component(comp, cc, key)
            total *= got
            if not total:
                return 0
        return total

    def _count(self, free: int, clauses: list[int]):
        """The number of base-legal assignments of ``free`` (a generator for ``_drive``)."""
        total, todo = self._split(free, clauses)
        if todo and total:
            total = yield self._finish(total, todo)
        return total

    def _component(self, comp: int, clauses: list[int], key):
        th = self.th
        adj = th.adj
        k = comp.bit_count()
        self.work.spend(1 + k + len(clauses))
        # One pass: the most connected variant (edges plus clause occurrences: it splits components
        # soonest), and which edges hold the component together (some shapes have a closed form).
        best, x = -1, 0
        result = None
        occ: dict[int, int] = {}
        incidences = 0
        for c in clauses:
            incidences += c.bit_count()
            m = c
            while m:
                lo = m & -m
                occ[lo] = occ.get(lo, 0) + 1
                m ^= lo
        succ, excl = th.succ, th.excl
        req_in = ex_in = 0
        degrees = 0
        fan_out = False  # a variant requiring two others here: an edge may be implied by a path
        m = comp
        if len(clauses) > 1 and k < TREE_WITH_CLAUSES_MIN:
            # No closed form to look for: the branching variant alone.
            while m:
                lo = m & -m
                d = (adj[lo.bit_length() - 1] & comp).bit_count() + occ.get(lo, 0)
                if d > best:
                    best, x = d, lo.bit_length() - 1
                m ^= lo
        while m:
            lo = m & -m
            v = lo.bit_length() - 1
            ds = succ[v] & comp
            if ds:
                req_in |= ds
                if ds & (ds - 1):
                    fan_out = True
            ex_in |= excl[v] & comp
            d = (adj[v] & comp).bit_count()
            degrees += d
            d += occ.get(lo, 0)
            if d > best:
                best, x = d, v
            m ^= lo
        if not clauses:
            if not req_in:
                # Only exclusive edges: one group holding the whole component is k + 1.
                groups = th.groups
                for gi in th.groups_of[(comp & -comp).bit_length() - 1]:
                    if comp & ~groups[gi] == 0:
                        result = k + 1
                        break
        elif len(clauses) == 1 and not req_in and not ex_in:
            result = (1 << k) - 1  # connected by its one clause alone: the clause is the component
        # A tree of k variants and c clauses has k + c - 1 edges (a clause has one to each member);
        # more can only shrink to that by dropping requires edges a path implies.
        # (With clauses, only for a large component: on a small one branching with the cache is as
        # quick, and the tree's bookkeeping is not.)
        if result is None and not (comp & th.cyclic) and (not clauses or k >= TREE_WITH_CLAUSES_MIN) and (
                degrees // 2 + incidences == k + len(clauses) - 1 or fan_out):
            result = self._tree(comp, k, clauses)
        if result is None:
            gmask = self._big_group(comp) if th.big_groups else 0
            if gmask:
                result = yield from self._branch_group(comp, clauses, gmask)
            else:
                # x out: so is everything that requires it.
                xb = 1 << x
                f = (th.rreqc[x] | xb) & comp
                rest = comp & ~f
                result = 1
                if rest:
                    result, todo = self._split(rest, [c for c in clauses if not c & f])
                    if todo and result:
                        result = yield self._finish(result, todo)
                # x in: so is everything it requires; their exclusive partners and clause units go out.
                got = self._assume_in(comp, clauses, (th.reqc[x] | xb) & comp)
                if got is not None:
                    if got[0]:
                        n_in, todo = self._split(*got)
                        if todo and n_in:
                            n_in = yield self._finish(n_in, todo)
                        result += n_in
                    else:
                        result += 1
        cache = self.cache
        if len(cache) >= CACHE_MAX:
            cache.clear()
        cache[key] = result
        return result

    def _big_group(self, comp: int) -> int:
        """The largest exclusive group inside the component, when it has GROUP_BRANCH_MIN members
        or more (its free members as a mask), else 0."""
        th = self.th
        best, gmask = GROUP_BRANCH_MIN - 1, 0
        steps = 1
        for g in th.big_groups:
            gm = g & comp
            steps += 1
            if gm and gm.bit_count() > best:
                best, gmask = gm.bit_count(), gm
        self.work.spend(steps)
        return gmask

    def _assume_in(self, comp: int, clauses: list[int], t: int):
        """The free set and clauses once every variant of ``t`` (requires-closed within comp) is in,
        or None on a conflict."""
        th = self.th
        if th.groups:
            if th.excl_violated(t):
                return None
            f = th.excl_of(t) & comp
            steps = 1 + min(t.bit_count(), len(th.groups)) + len(clauses)
        else:
            f = 0
            steps = 1 + len(clauses)
        kept = []
        for c in clauses:
            if c & f:
                continue
            c2 = c & ~t
            if not c2:
                self.work.spend(steps)
                return None
            if c2 & (c2 - 1):
                kept.append(c2)
            else:
                f |= c2
        if f:
            rreqc = th.rreqc
            m = f & th.linked
            steps += m.bit_count()
            while m:
                lo = m & -m
                f |= rreqc[lo.bit_length() - 1]
                m ^= lo
            f &= comp
            if f & t:
                self.work.spend(steps)
                return None
            if kept:
                kept = [c for c in kept if not c & f]
        self.work.spend(steps)
        return comp & ~t & ~f, kept

    def _branch_group(self, comp: int, clauses: list[int], gmask: int):
        """At most one member of an exclusive group is in: none, or exactly one of them."""
        th = self.th
        rreqc, reqc = th.rreqc, th.reqc
        f = gmask
        m = gmask & th.linked
        self.work.spend(1 + gmask.bit_count())
        while m:
            lo = m & -m
            f |= rreqc[lo.bit_length() - 1]
            m ^= lo
        f &= comp
        rest = comp & ~f
        result = (yield self._count(rest, [c for c in clauses if not c & f])) if rest else 1
        for y in _bits(gmask):
            yb = 1 << y
            t = (reqc[y] | yb) & comp
            self.work.spend(1)
            if t & gmask & ~yb:
                continue  # it requires another member of its own group
            got = self._assume_in(comp, clauses, t)
            if got is not None:
                result += (yield self._count(*got)) if got[0] else 1
        return result

    def _tree(self, comp: int, k: int, clauses: list[int] = ()) -> int | None:
        """Count a component whose constraints form a tree: binary ones (requires edges, once the
        ones another path implies are left out; exclusive pairs) between variants, and clauses
        joined to each of their members. Chains, stars and trees of requires, paths of
        incompatible pairs, incompatible triples that share one variant at a time. Bottom up, two
        numbers per variant: the count of its subtree with it in, and with it out. None when the
        constraints hold a cycle."""
        th = self.th
        succ, reqc, excl = th.succ, th.reqc, th.excl
        # Nodes: variants (their index) and clauses (-1 - their position). Edge kinds from a
        # variant v: 0 v requires w, 1 w requires v, 2 v and w exclude each other, 3 clause.
        nbrs: dict[int, list[tuple[int, int]]] = {}
        for v in _bits(comp):
            nbrs[v] = []
        nodes = k + len(clauses)
        edges = 0
        steps = 0
        for j, c in enumerate(clauses):
            node = -1 - j
            members = _bits(c)
            nbrs[node] = [(w, 3) for w in members]
            for w in members:
                nbrs[w].append((node, 3))
            edges += len(members)
            steps += 1 + len(members)
        for v in list(_bits(comp)):
            lst = nbrs[v]
            ds = succ[v] & comp
            if ds & (ds - 1):
                implied = 0
                for u in _bits(ds):
                    implied |= reqc[u]
                    steps += 1
                ds &= ~implied
            ex = excl[v] & comp & ~((1 << (v + 1)) - 1)  # each exclusive pair once, from its lower end
            edges += ds.bit_count() + ex.bit_count()
            steps += 1
            if edges >= nodes:
                self.work.spend(steps)
                return None
            for w in _bits(ds):
                lst.append((w, 0))
                nbrs[w].append((v, 1))
            for w in _bits(ex):
                lst.append((w, 2))
                nbrs[w].append((v, 2))
        self.work.spend(steps)
        if edges != nodes - 1:
            return None
        root = (comp & -comp).bit_length() - 1
        order = [root]
        parent = {root: None}
        i = 0
        while i < len(order):
            v = order[i]
            i += 1
            for w, _ in nbrs[v]:
                if w not in parent:
                    parent[w] = v
                    order.append(w)
        self.work.spend(2 * nodes)
        if len(order) != nodes:
            return None  # nodes - 1 edges that do not connect it: a cycle somewhere
        inn: dict[int, int] = {}
        out: dict[int, int] = {}
        for v in reversed(order):
            pv = parent[v]
            if v < 0:
                # A clause below its parent variant: not all of its members. With the parent out,
                # the children are free; with it in, not all children in.
                free = every = 1
                for w, _ in nbrs[v]:
                    if w != pv:
                        free *= inn[w] + out[w]
                        every *= inn[w]
                inn[v], out[v] = free - every, free
                continue
            a = b = 1
            for w, kind in nbrs[v]:
                if w == pv:
                    continue
                if kind == 3:      # a clause below v
                    a *= inn[w]
                    b *= out[w]
                    continue
                both = inn[w] + out[w]
                if kind == 0:      # v in → w in
                    a *= inn[w]
                    b *= both
                elif kind == 1:    # w requires v: v out → w out
                    a *= both
                    b *= out[w]
                else:              # not both
                    a *= out[w]
                    b *= both
            inn[v], out[v] = a, b
        return inn[root] + out[root]


def _model_count(th: _Theory, work: Work) -> int:
    """Exact number of legal combinations.

    Without compatible marks this is the base count. With them, legal = base-legal ∧ (|C| ≤ 1 ∨ C ⊆ some
    list), so count = #{base-legal, |C| ≤ 1} + #{base-legal, |C| ≥ 2, C ⊆ ∪ lists' powersets}; the
    union is inclusion–exclusion over distinct list intersections (powersets intersect as
    P(A) ∩ P(B) = P(A ∩ B)), and intersections of ≤ 1 variant hold no |C| ≥ 2 term so they are dropped.
    Its size is the number of distinct intersections of the lists: their structure, not the variants.
    """
    if th.bottom:
        return 0
    ctr = _Counter(th, work)
    if not th.has_whitelist or th.full in th.lists:
        return ctr.within(th.full)

    def le1(s: int) -> int:  # base-legal combinations inside s with at most one variant
        return (0 if th.required else 1) + (th.single_ok & s).bit_count()

    coeffs: dict[int, int] = {}
    for lst in th.lists:
        upd: dict[int, int] = {}
        for s, c in coeffs.items():
            inter = s & lst
            if inter & (inter - 1):
                upd[inter] = upd.get(inter, 0) - c
        if lst & (lst - 1):
            upd[lst] = upd.get(lst, 0) + 1
        for s, c in upd.items():
            c += coeffs.get(s, 0)
            if c:
                coeffs[s] = c
            else:
                coeffs.pop(s, None)
        work.spend(1 + len(coeffs) + len(upd))
    total = le1(th.full)
    for s, c in coeffs.items():
        total += c * (ctr.within(s) - le1(s))
    return total


# -- entry point -------------------------------------------------------------------------------------
def analyze(variants: list[str], marks: list[ConstraintMark], *, budget: int = DEFAULT_BUDGET,
            deadline_s: float | None = None, want_count: bool = True) -> ConstraintAnalysis:
    """Analyse an enum's constraint marks exactly.

    Phases, cheapest first: requires cycles, satisfiability and its minimal conflict, dead variants,
    forbidden compatible lists (all polynomial), then the model count (the only exponential part).
    Each charges ``budget`` (steps, deterministic); past it the running phase is abandoned, its field
    and the later ones are left empty/None, and ``stopped`` is ``"budget"``. ``deadline_s`` (seconds,
    the language server's safety net; None everywhere else) stops it the same way with ``stopped ==
    "deadline"``. Raises ValueError on an unknown variant or mark kind.
    """
    variants = list(variants)
    work = Work(budget, deadline_s, len(variants))
    marks = list(marks)
    res = ConstraintAnalysis(variants=variants, marks=marks, satisfiable=None, budget=budget)
    phase = PHASES[0]
    try:
        pos, cms = _compile(variants, marks)  # an unknown name is an error, whatever the budget
        work.spend(1 + len(variants) + sum(1 + len(mk.args) for mk in marks))
        th = _Theory(variants, pos, cms, work)
        res.requires_cycles, res.cycle_paths = _requires_cycles(variants, marks, cms, th.comps, work)
        phase = "satisfiability"
        work.spend(th.legal_cost(th.root))
        sat = th.legal(th.root)
        explainer = _Explainer(cms, work)
        res._theory = th
        res.satisfiable = sat
        if not sat:
            res.count = 0 if want_count else None
            phase = "conflict"
            res.conflict = explainer.explain(0)
            return res
        phase = "dead variants"
        dead: dict[str, list[int]] = {}
        alive = th.alive_mask(work)
        for v in _bits(th.full & ~alive):
            dead[variants[v]] = explainer.explain(1 << v)
        res.dead = dead
        phase = "compatible lists"
        forbidden: dict[int, list[int]] = {}
        for i, (kind, mask, _) in enumerate(cms):
            if kind == "compatible":
                m = th.least(mask)
                work.spend(th.legal_cost(m) + mask.bit_count())
                if not th.legal(m):
                    forbidden[i] = explainer.explain(mask, (i,))
        res.forbidden_compatible = forbidden
        if want_count:
            phase = "count"
            res.count = _model_count(th, work)
    except _Stop as stop:
        res.stopped = stop.reason
        res.stopped_in = phase
    finally:
        res.work = work.used
    return res


__all__ = ["ALL_EXTS", "KINDS", "PHASES", "DEFAULT_BUDGET", "WIDE", "CLOCK_EVERY", "ConstraintMark", "ConstraintAnalysis", "Work",
           "analyze", "first_violated"]
