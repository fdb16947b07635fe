"""close_matches is difflib.get_close_matches, faster: the same list for any input."""

from __future__ import annotations

import difflib

from hypothesis import given, settings
from hypothesis import strategies as st

from dbmt.suggest import close_matches

words = st.text(alphabet="abcde_1", max_size=10)


@settings(max_examples=600, derandomize=True, deadline=None)
@given(words, st.lists(words, max_size=40), st.integers(1, 4), st.sampled_from([0.0, 0.3, 0.6, 0.8, 1.0]))
def test_same_result_as_difflib(word, candidates, n, cutoff):
    assert close_matches(word, candidates, n, cutoff) == difflib.get_close_matches(word, candidates, n, cutoff)


def test_generated_names():
    names = [f"{p}_{i}" for p in ("orders", "order_items", "customers", "shoes") for i in range(300)]
    for w in ("orders_17", "order_item_3", "custmers_299", "zzz", "shoe_1"):
        assert close_matches(w, names) == difflib.get_close_matches(w, names, n=1, cutoff=0.6)
