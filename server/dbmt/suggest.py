"""Did-you-mean: the candidates closest to a word, exactly as `difflib.get_close_matches` ranks
them (SequenceMatcher ratio ≥ cutoff, best first, ties by the larger string), but without
computing the full ratio of every candidate.

get_close_matches computes `ratio()` (the matching blocks, quadratic in the lengths) for every
candidate whose cheap upper bounds pass the cutoff; among a workspace's thousands of similar
generated names nearly all pass, and one lost `use` line asks for hundreds of guesses. Here
the candidates are visited in decreasing order of `quick_ratio()` (an upper bound of `ratio()`),
and the visit stops once the bound falls below the n-th best ratio found: nothing later can
enter the result. The result is the same list (tests/test_suggest.py compares them).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from difflib import SequenceMatcher


def close_matches(word: str, candidates: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    if not n > 0:
        raise ValueError(f"n must be > 0: {n!r}")
    if not 0.0 <= cutoff <= 1.0:
        raise ValueError(f"cutoff must be in [0.0, 1.0]: {cutoff!r}")
    s = SequenceMatcher()
    s.set_seq2(word)
    bounded = []
    for x in candidates:
        s.set_seq1(x)
        if s.real_quick_ratio() >= cutoff:
            q = s.quick_ratio()
            if q >= cutoff:
                bounded.append((q, x))
    # Highest bound first; among equal bounds the larger string first, as ties are broken.
    bounded.sort(reverse=True)
    best: list[tuple[float, str]] = []  # a min-heap of the n best (ratio, string)
    for q, x in bounded:
        if len(best) == n and q < best[0][0]:
            break  # no later candidate's ratio can reach the n-th best
        s.set_seq1(x)
        r = s.ratio()
        if r < cutoff:
            continue
        if len(best) < n:
            heapq.heappush(best, (r, x))
        elif (r, x) > best[0]:
            heapq.heapreplace(best, (r, x))
    return [x for _, x in sorted(best, reverse=True)]
