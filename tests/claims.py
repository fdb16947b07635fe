"""Deterministic splits of the two-ended claims of dbmt.syntax.parallel, for tests of the work
both processes share (a split by timing would depend on how busy the machine is)."""

from __future__ import annotations

from typing import Callable

from dbmt.syntax import parallel


def split_at(monkeypatch, mid: int | Callable[[], int]) -> None:
    """The worker claims the units below `mid` (a number, or a function giving it when a claim
    is made), this process the others, whichever runs first."""
    def claim(ends, front: bool):
        at = mid() if callable(mid) else mid
        with ends.get_lock():
            lo, hi = ends[0], ends[1]
            if front:
                if lo >= min(hi, at):
                    return None
                ends[0] = lo + 1
                return lo
            if hi - 1 < max(lo, at):
                return None
            ends[1] = hi - 1
            return hi - 1

    monkeypatch.setattr(parallel, "_claim", claim)
