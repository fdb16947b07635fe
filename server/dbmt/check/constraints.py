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
(minimal conflict / responsible mark sets) are seeded from the least-model derivation and shrunk by
deletion until irreducible.

Counting Horn models is #P-complete, so the count is a component-caching DPLL model counter
(the sharpSAT scheme) over bitmasks, specialised to these clause shapes; the whitelist is handled by
inclusion–exclusion over the distinct intersections of the compatible lists. (pyganak was measured
first: it runs tree-decomposition heuristics on every call, ~25 ms for a 64-variant requires chain
and seconds for random 64-variable formulas, far off the 50 ms / 250 ms targets.)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Iterable

ALL_EXTS = "ALL_EXTS"
KINDS = ("exclusive", "requires", "incompatible", "compatible", "required")


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
    - ``gave_up``: the time budget ran out; the phase that was running, and those after it, are left
      None/empty (never partial), so nothing left here is a false finding.
    """

    variants: list[str]
    marks: list[ConstraintMark]
    satisfiable: bool
    conflict: list[int] = field(default_factory=list)
    dead: dict[str, list[int]] = field(default_factory=dict)
    forbidden_compatible: dict[int, list[int]] = field(default_factory=dict)
    requires_cycles: list[list[int]] = field(default_factory=list)
    cycle_paths: list[list[str]] = field(default_factory=list)
    count: int | None = None
    gave_up: bool = False
    _theory: _Theory | None = field(default=None, repr=False, compare=False)
    _pairs: set[frozenset[str]] | None = field(default=None, repr=False, compare=False)

    def can_co_occur(self, a: str, b: str) -> bool:
        """Some legal combination contains both ``a`` and ``b`` (for a == b: ``a`` is not dead)."""
        th = self._theory
        if th is None or not self.satisfiable:
            return False
        pos = th.pos
        return th.legal(th.least(th.bit(pos[a]) | th.bit(pos[b])))

    def co_occurring_pairs(self) -> set[frozenset[str]]:
        """Every pair of distinct variants that some legal combination contains (memoised)."""
        if self._pairs is None:
            th = self._theory
            self._pairs = set() if th is None or not self.satisfiable else th.pairs()
        return set(self._pairs)


class _OutOfTime(Exception):
    pass


def _bits(mask: int) -> Iterable[int]:
    """Positions of the set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


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


# -- the full mark set as propagation tables ---------------------------------------------------------
class _Theory:
    """The whole constraint set compiled to per-variant bitmask tables.

    ``reqc[v]``: every variant v transitively requires; ``rreqc[v]``: every variant that transitively
    requires v; ``excl[v]``: variants that cannot be with v (exclusive, 2-variant incompatible);
    ``neg``: the remaining incompatible clauses (≥ 3 variants, not implied by ``excl``);
    ``forced_false``: variants a 1-variant incompatible bans; ``bottom``: an empty incompatible
    (violated by every combination); ``lists``: the maximal compatible lists.
    """

    def __init__(self, variants: list[str], pos: dict[str, int], cms: list[_CMark]):
        n = len(variants)
        self.variants, self.pos, self.n = variants, pos, n
        self.full = full = (1 << n) - 1
        succ = [0] * n
        excl = [0] * n
        required = forced_false = 0
        bottom = False
        neg: list[int] = []
        lists: list[int] = []
        for kind, mask, src in cms:
            if kind == "required":
                required |= mask
            elif kind == "requires":
                for v in _bits(src):
                    succ[v] |= mask & ~(1 << v)  # V→V is a tautology
            elif kind == "compatible":
                lists.append(mask)
            elif kind == "exclusive" or (kind == "incompatible" and mask.bit_count() == 2):
                if mask.bit_count() >= 2:
                    for v in _bits(mask):
                        excl[v] |= mask & ~(1 << v)
            else:  # incompatible
                k = mask.bit_count()
                if k == 0:
                    bottom = True
                elif k == 1:
                    forced_false |= mask
                else:
                    neg.append(mask)
        self.required, self.forced_false, self.bottom = required, forced_false, bottom
        self.excl = excl
        self.has_whitelist = bool(lists)
        # A list inside another adds nothing to the whitelist.
        uniq = sorted(set(lists), key=lambda m: -m.bit_count())
        self.lists = [m for i, m in enumerate(uniq) if not any(m & ~o == 0 for o in uniq[:i])]
        # An incompatible clause is redundant if it holds an exclusive pair or a banned variant, or
        # contains a smaller clause; dropping those keeps the counter's cache keys small.
        neg = sorted(set(c for c in neg if not (c & forced_false) and not any(excl[v] & c for v in _bits(c))),
                     key=int.bit_count)
        self.neg = [c for i, c in enumerate(neg) if not any(d & ~c == 0 for d in neg[:i])]
        self.succ = succ
        self.reqc = _transitive_closure(succ)
        rreqc = [0] * n
        pred = [0] * n
        for u in range(n):
            for v in _bits(self.reqc[u]):
                rreqc[v] |= 1 << u
            for v in _bits(succ[u]):
                pred[v] |= 1 << u
        self.rreqc = rreqc
        # Direct edges suffice for connectivity: a path through an assigned variant is never live.
        self.adj = [succ[v] | pred[v] | excl[v] for v in range(n)]
        self.root = self.least(0)
        # Variants v for which {v} is base-legal (the whitelist never restricts singletons).
        self.single_ok = 0
        if not bottom:
            for v in range(n):
                b = 1 << v
                if (required | self.reqc[v]) & ~b == 0 and not (forced_false & b):
                    self.single_ok |= b
        self._least_of = [self.root | self.reqc[v] | (1 << v) for v in range(n)]

    @staticmethod
    def bit(i: int) -> int:
        return 1 << i

    def least(self, q: int) -> int:
        """The least requires-closed superset of required ∪ q: the least model containing q."""
        m = self.required | q
        for v in _bits(m):
            m |= self.reqc[v]
        return m

    def excl_of(self, m: int) -> int:
        e = 0
        for v in _bits(m):
            e |= self.excl[v]
        return e

    def legal(self, m: int) -> bool:
        """Whether ``m`` (already requires-closed and containing required) is a legal combination."""
        if self.bottom or (m & self.forced_false) or (self.excl_of(m) & m):
            return False
        for c in self.neg:
            if c & m == c:
                return False
        return not self.has_whitelist or _whitelisted(m, self.lists)

    def alive_mask(self) -> int:
        alive = 0
        for v in range(self.n):
            if self.legal(self._least_of[v]):
                alive |= 1 << v
        return alive

    def pairs(self) -> set[frozenset[str]]:
        """All co-occurring pairs. The least model of {a, b} is least(a) ∪ least(b), so each pair costs
        a few mask operations on per-variant precomputations."""
        names = self.variants
        alive = [v for v in range(self.n) if self.legal(self._least_of[v])]
        lm = self._least_of
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


def _transitive_closure(succ: list[int]) -> list[int]:
    """reqc[v] = everything reachable from v in one or more steps (v itself only on a cycle).
    SCCs by Tarjan, then one pass in reverse topological order."""
    n = len(succ)
    comps = _sccs(succ)
    comp_of = [0] * n
    for ci, comp in enumerate(comps):
        for v in comp:
            comp_of[v] = ci
    reach = [0] * len(comps)
    # Tarjan emits components sinks first, so successors' reach is ready.
    for ci, comp in enumerate(comps):
        members = 0
        for v in comp:
            members |= 1 << v
        r = members if len(comp) > 1 else 0
        out = 0
        for v in comp:
            out |= succ[v]
        if len(comp) == 1 and out >> comp[0] & 1:
            r |= members
        for w in _bits(out & ~members):
            r |= (1 << w) | reach[comp_of[w]]
        reach[ci] = r
    return [reach[comp_of[v]] for v in range(n)]


def _sccs(succ: list[int]) -> list[list[int]]:
    """Tarjan's strongly connected components (iterative), in reverse topological order."""
    n = len(succ)
    index = [-1] * n
    low = [0] * n
    on_stack = [False] * n
    stack: list[int] = []
    comps: list[list[int]] = []
    counter = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, iter(list(_bits(succ[root]))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack[w] = True
                    work.append((w, iter(list(_bits(succ[w])))))
                    advanced = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                u = work[-1][0]
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
    return comps


# -- requires cycles ---------------------------------------------------------------------------------
def _requires_cycles(variants: list[str], marks: list[ConstraintMark], pos: dict[str, int],
                     cms: list[_CMark]) -> tuple[list[list[int]], list[list[str]]]:
    n = len(variants)
    succ = [0] * n
    edge_mark: dict[tuple[int, int], int] = {}
    for i, (kind, mask, src) in enumerate(cms):
        if kind != "requires":
            continue
        explicit_self = bool(marks[i].args) and marks[i].args[0] in marks[i].args[1:]
        for u in _bits(src):
            for w in _bits(mask):
                if w == u and not explicit_self:
                    continue  # an ALL_EXTS expansion's V→V is not a written cycle
                succ[u] |= 1 << w
                edge_mark.setdefault((u, w), i)
    cycles: list[list[int]] = []
    paths: list[list[str]] = []
    comps = _sccs(succ)
    comps.sort(key=lambda c: c[0])
    for comp in comps:
        start = comp[0]
        if len(comp) == 1 and not (succ[start] >> start & 1):
            continue
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
            path = [start]
            u = end
            while u != start:
                path.append(u)
                u = parent[u]
            path.append(start)
            path = [path[0]] + path[1:-1][::-1] + [start]
        cycles.append([edge_mark[(path[k], path[k + 1])] for k in range(len(path) - 1)])
        paths.append([variants[v] for v in path])
    return cycles, paths


# -- explanations ------------------------------------------------------------------------------------
def _closure(cms: list[_CMark], active: Iterable[int], must: int) -> tuple[int, list[int], list[_CMark]]:
    """Least model of the sub-enum ``active`` containing ``must``, and its checks (non-Horn parts)."""
    m = must
    reqs = []
    checks: list[_CMark] = []
    lists: list[int] = []
    for i in active:
        cm = cms[i]
        kind = cm[0]
        if kind == "required":
            m |= cm[1]
        elif kind == "requires":
            if cm[2] and cm[1]:
                reqs.append(cm)
        elif kind == "compatible":
            lists.append(cm[1])
        else:
            checks.append(cm)
    changed = bool(reqs)
    while changed:
        changed = False
        for _, sink, src in reqs:
            if m & src and sink & ~m:
                m |= sink
                changed = True
    return m, lists, checks


def _infeasible(cms: list[_CMark], active: Iterable[int], must: int) -> bool:
    """No legal combination of the sub-enum made of marks ``active`` contains ``must``."""
    m, lists, checks = _closure(cms, active, must)
    return any(_violates(cm, m) for cm in checks) or not _whitelisted(m, lists)


def _explain(cms: list[_CMark], must: int, pinned: tuple[int, ...] = ()) -> list[int]:
    """An irreducible set of marks (besides ``pinned``, always present) under which no legal combination
    contains ``must``; the caller knows the full set already has that property.

    The seed is the least-model derivation (the marks that pulled the offending variants in, plus the
    violated mark), so deletion only runs over a handful of marks. Deletion is repeated to a fixpoint
    because the whitelist is not monotone: dropping one compatible list narrows it, dropping the last
    one removes it.
    """
    pinned_set = set(pinned)
    # Least model with provenance: reason[v] = (mark, variant that triggered it or -1).
    m = must
    reason: dict[int, tuple[int, int]] = {}
    for i, (kind, mask, _) in enumerate(cms):
        if kind == "required":
            for v in _bits(mask & ~m):
                reason[v] = (i, -1)
            m |= mask
    reqs = [(i, cm) for i, cm in enumerate(cms) if cm[0] == "requires" and cm[1] and cm[2]]
    changed = True
    while changed:
        changed = False
        for i, (_, sink, src) in reqs:
            hit = m & src
            if hit and sink & ~m:
                cause = (hit & -hit).bit_length() - 1
                for v in _bits(sink & ~m):
                    reason[v] = (i, cause)
                m |= sink
                changed = True

    seed: set[int] = set()

    def pull(v: int) -> None:
        while v in reason:
            i, cause = reason[v]
            seed.add(i)
            if cause < 0:
                return
            v = cause

    def depth(v: int) -> int:
        d = 0
        while v in reason and reason[v][1] >= 0:
            v = reason[v][1]
            d += 1
        return d + (v in reason)

    for i, cm in enumerate(cms):
        kind, mask, _ = cm
        if kind in ("exclusive", "incompatible") and _violates(cm, m):
            seed.add(i)
            inside = sorted(_bits(m & mask), key=depth)
            for v in (inside[:2] if kind == "exclusive" else inside):
                pull(v)
            break
    else:
        compat = [i for i, cm in enumerate(cms) if cm[0] == "compatible"]
        if compat and not _whitelisted(m, [cms[i][1] for i in compat]):
            # One list suffices to show it: with a single compatible mark the whitelist is that list.
            j = next((i for i in compat if i in pinned_set), compat[0])
            seed.add(j)
            outside = sorted(_bits(m & ~cms[j][1]), key=depth)
            pull(outside[0])
            others = sorted((v for v in _bits(m) if v != outside[0]), key=depth)
            if others:
                pull(others[0])  # the whitelist only bites on two or more variants
    seed -= pinned_set
    if not _infeasible(cms, seed | pinned_set, must):
        seed = set(range(len(cms))) - pinned_set  # defensive: never report an insufficient set
    kept = sorted(seed)
    progress = True
    while progress:
        progress = False
        for i in list(kept):
            trial = [k for k in kept if k != i]
            if _infeasible(cms, trial + list(pinned), must):
                kept = trial
                progress = True
    return kept


# -- exact model counting ----------------------------------------------------------------------------
class _Counter:
    """Counts base-legal combinations (all marks but the whitelist) inside an allowed set.

    DPLL over variants with exact propagation, splitting the free variants into independent components
    (counts multiply) and caching each component's count by (its variants, its residual clauses). The
    residual formula of a component is determined by that key: requires and exclusive edges are static
    and restricted to free variants; only incompatible clauses shrink.

    Invariant on the free set: no free variant requires an assigned-false one (its rreqc went false
    with it) and none is exclusive with an assigned-true one (excl of every true variant went false).
    """

    def __init__(self, th: _Theory, deadline: float):
        self.th = th
        self.cache: dict[object, int] = {}
        self.deadline = deadline
        self.nodes = 0

    def within(self, allowed: int) -> int:
        th = self.th
        if th.bottom:
            return 0
        rreqc = th.rreqc
        t = th.root
        f = (th.full & ~allowed) | th.forced_false
        for v in _bits(f):
            f |= rreqc[v]
        if t & f:
            return 0
        ex = th.excl_of(t)
        if ex & t:
            return 0
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
        return self.count(th.full & ~t & ~f, kept)

    def count(self, free: int, clauses: list[int]) -> int:
        adj = self.th.adj
        cv = 0
        for c in clauses:
            cv |= c
        total = 1
        rest = free
        while rest:
            low = rest & -rest
            v = low.bit_length() - 1
            if not (adj[v] & free) and not (low & cv):
                total <<= 1
                rest ^= low
                continue
            comp = frontier = low
            while frontier:
                nb = 0
                f = frontier
                while f:
                    lo = f & -f
                    nb |= adj[lo.bit_length() - 1]
                    f ^= lo
                if frontier & cv:
                    for c in clauses:
                        if c & frontier:
                            nb |= c
                nb &= free & ~comp
                comp |= nb
                frontier = nb
            cc = [c for c in clauses if c & comp] if cv & comp else []
            total *= self.component(comp, cc)
            if not total:
                return 0
            rest &= ~comp
        return total

    def component(self, comp: int, clauses: list[int]) -> int:
        key = (comp, tuple(sorted(clauses))) if clauses else comp
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        self.nodes += 1
        if not self.nodes & 127 and time.perf_counter() > self.deadline:
            raise _OutOfTime
        th = self.th
        adj, reqc, rreqc, excl = th.adj, th.reqc, th.rreqc, th.excl
        # Branch on the most connected variant (edges plus clause occurrences): it splits
        # components soonest.
        occ: dict[int, int] = {}
        for c in clauses:
            m = c
            while m:
                lo = m & -m
                occ[lo] = occ.get(lo, 0) + 1
                m ^= lo
        best, x = -1, 0
        m = comp
        while m:
            lo = m & -m
            v = lo.bit_length() - 1
            d = (adj[v] & comp).bit_count() + occ.get(lo, 0)
            if d > best:
                best, x = d, v
            m ^= lo
        xb = 1 << x
        # x out: so is everything that requires it.
        f = (rreqc[x] | xb) & comp
        result = self.count(comp & ~f, [c for c in clauses if not c & f])
        # x in: so is everything it requires; their exclusive partners and clause units go out.
        t = (reqc[x] | xb) & comp
        ex = 0
        m = t
        while m:
            lo = m & -m
            ex |= excl[lo.bit_length() - 1]
            m ^= lo
        if not ex & t:
            f = ex & comp
            kept = []
            ok = True
            for c in clauses:
                if c & f:
                    continue
                c2 = c & ~t
                if not c2:
                    ok = False
                    break
                if c2 & (c2 - 1):
                    kept.append(c2)
                else:
                    f |= c2
            if ok:
                m = f
                while m:
                    lo = m & -m
                    f |= rreqc[lo.bit_length() - 1]
                    m ^= lo
                f &= comp
                if not f & t:
                    result += self.count(comp & ~t & ~f, [c for c in kept if not c & f])
        self.cache[key] = result
        return result


def _count(th: _Theory, deadline: float) -> int:
    """Exact number of legal combinations.

    Without compatible marks this is the base count. With them, legal = base-legal ∧ (|C| ≤ 1 ∨ C ⊆ some
    list), so count = #{base-legal, |C| ≤ 1} + #{base-legal, |C| ≥ 2, C ⊆ ∪ lists' powersets}; the
    union is inclusion–exclusion over distinct list intersections (powersets intersect as
    P(A) ∩ P(B) = P(A ∩ B)), and intersections of ≤ 1 variant hold no |C| ≥ 2 term so they are dropped.
    """
    if th.bottom:
        return 0
    ctr = _Counter(th, deadline)
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
        if time.perf_counter() > deadline:
            raise _OutOfTime
    total = le1(th.full)
    for s, c in coeffs.items():
        total += c * (ctr.within(s) - le1(s))
    return total


# -- entry point -------------------------------------------------------------------------------------
def analyze(variants: list[str], marks: list[ConstraintMark], *, budget_s: float = 1.0,
            want_count: bool = True) -> ConstraintAnalysis:
    """Analyse an enum's constraint marks exactly.

    Phases, cheapest first: requires cycles, satisfiability and its minimal conflict, dead variants,
    forbidden compatible lists (all polynomial), then the model count (the only exponential part).
    Past ``budget_s`` the running phase is abandoned, its field and the later ones are left
    empty/None, and ``gave_up`` is set. Raises ValueError on an unknown variant or mark kind.
    """
    deadline = time.perf_counter() + budget_s
    variants = list(variants)
    marks = list(marks)
    pos, cms = _compile(variants, marks)
    cycles, paths = _requires_cycles(variants, marks, pos, cms)
    th = _Theory(variants, pos, cms)
    sat = th.legal(th.root)
    res = ConstraintAnalysis(variants=variants, marks=marks, satisfiable=sat, requires_cycles=cycles,
                             cycle_paths=paths, _theory=th)
    if not sat:
        res.conflict = _explain(cms, 0)
        res.count = 0 if want_count else None
        return res
    try:
        dead: dict[str, list[int]] = {}
        alive = th.alive_mask()
        for v in range(len(variants)):
            if not alive >> v & 1:
                if time.perf_counter() > deadline:
                    raise _OutOfTime
                dead[variants[v]] = _explain(cms, 1 << v)
        res.dead = dead
        forbidden: dict[int, list[int]] = {}
        for i, (kind, mask, _) in enumerate(cms):
            if kind == "compatible" and not th.legal(th.least(mask)):
                if time.perf_counter() > deadline:
                    raise _OutOfTime
                forbidden[i] = _explain(cms, mask, (i,))
        res.forbidden_compatible = forbidden
        if want_count:
            res.count = _count(th, deadline)
    except _OutOfTime:
        res.gave_up = True
    return res


__all__ = ["ALL_EXTS", "KINDS", "ConstraintMark", "ConstraintAnalysis", "analyze", "first_violated"]
