"""lsp/positions.py: offsets ↔ LSP positions in every encoding and with every line break."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st
from lsprotocol.types import Position

from dbmt.lsp.positions import Codec, Lines

TEXT = "a😀b\r\nc𝄞\rdé\nend"


@pytest.mark.parametrize("enc,expected", [
    ("utf-16", [(0, 0), (0, 1), (0, 3), (0, 4), (1, 0), (1, 1), (1, 3), (2, 0), (2, 1), (2, 2), (3, 0)]),
    ("utf-8", [(0, 0), (0, 1), (0, 5), (0, 6), (1, 0), (1, 1), (1, 5), (2, 0), (2, 1), (2, 3), (3, 0)]),
    ("utf-32", [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (3, 0)]),
])
def test_positions_of_every_character(enc, expected):
    c = Codec(enc)
    li = Lines(TEXT)
    offsets = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]  # a 😀 b \r\n c 𝄞 \r d é \n e…
    got = [(p.line, p.character) for p in (c.position(li, o) for o in offsets)]
    assert got == expected
    assert [c.offset(li, Position(line=l, character=ch)) for l, ch in expected] == offsets


def test_lone_cr_and_crlf_are_line_breaks():
    li = Lines("x\ry\r\nz\n")
    assert li.starts == [0, 2, 5, 7]
    c = Codec("utf-16")
    # Inside a \r\n pair is the end of the line before it.
    assert c.position(li, 4) == Position(line=1, character=1)


def test_columns_past_the_end_clamp_to_the_line():
    c = Codec("utf-16")
    li = Lines("ab\ncd")
    assert c.offset(li, Position(line=0, character=99)) == 2
    assert c.offset(li, Position(line=9, character=0)) == 5
    assert c.offset(li, Position(line=1, character=1)) == 4


def test_middle_of_a_surrogate_pair_rounds_forward():
    c = Codec("utf-16")
    li = Lines("😀x")
    assert c.offset(li, Position(line=0, character=1)) == 1


def test_unknown_encoding_is_refused():
    with pytest.raises(ValueError):
        Codec("latin-1")


@given(st.text(alphabet=st.sampled_from(list("ab\r\n😀é𝄞 ")), max_size=40), st.sampled_from(["utf-8", "utf-16", "utf-32"]))
def test_round_trip(text, enc):
    c = Codec(enc)
    li = Lines(text)
    for off in range(len(text) + 1):
        p = c.position(li, off)
        back = c.offset(li, p)
        # Offsets inside a \r\n pair map to the line end; every other offset round-trips.
        if off > 0 and text[off - 1:off + 1] == "\r\n":
            assert back == off - 1
        else:
            assert back == off
