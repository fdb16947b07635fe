"""Hostile input is parsed in linear work, without deep recursion, with exact diagnostics.

Work is counted, never timed: the Python calls made while parsing (sys.setprofile) for a shape
at size n and 4n must grow at most ~linearly. The regex side (a failed `/*` or blank-run match
costing the rest of the text) is not a Python call: those shapes are checked by the scanner's
own contract (blocks.finditer equals the plain scan, switching where no `*/` follows).
"""

from __future__ import annotations

import gc
import sys

import pytest

from dbmt.syntax import parse_text
from dbmt.syntax.blocks import CHUNK_SCAN_RE, CHUNK_SCAN_RE_NC, finditer
from dbmt.syntax.generic import MAX_NESTING, TOO_DEEP, TOO_MANY_ERRORS


def calls(fn) -> int:
    """The calls fn() makes. The cyclic GC is paused meanwhile: a collection would run the
    finalizers of garbage earlier tests left (counted as calls too), so the count would depend on
    what ran before (seen: 613,096 calls instead of 613,084 in a full suite run, one over a
    bound of 6 per bracket)."""
    count = 0

    def prof(frame, event, arg):
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    was_enabled = gc.isenabled()
    gc.disable()
    sys.setprofile(prof)
    try:
        fn()
    finally:
        sys.setprofile(None)
        if was_enabled:
            gc.enable()
    return count


SHAPES = {
    "table-open-one-line": lambda n: "Table t { " * n,
    "comment-open": lambda n: "/*" * n,
    "brace-deep": lambda n: "Table t " + "{" * n,
    "paren-deep": lambda n: "Table t {\n  id int [default: " + "(" * n + "\n}\n",
    "bracket-deep": lambda n: "Table t {\n  id int " + "[" * n + "\n}\n",
    "stray-closers": lambda n: "Table t {\n" + "  a int ) ]\n" * n + "}\n",
    "cr-only-breaks": lambda n: "Table t {\r  id int [pk]\r}\r" * n,
    "quotes": lambda n: "Table t {\n  a int [note: '" + "\"`" * n + "]\n}\n",
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_work_grows_linearly(shape):
    make = SHAPES[shape]
    small = calls(lambda: parse_text(make(500), cache=None))
    big = calls(lambda: parse_text(make(2000), cache=None))
    # 4x the input: at most ~4x the calls (slack for fixed costs at the small size).
    assert big <= 5 * small, (shape, small, big)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_deep_recursion(shape):
    text = SHAPES[shape](3000)
    parse_text("Table warm { id int }", cache=None)  # lazy set-up (tables, regexes) outside the limit
    depth = len(__import__("inspect").stack(0))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 200)
    try:
        pf = parse_text(text, cache=None)
    finally:
        sys.setrecursionlimit(old)
    if shape == "cr-only-breaks":
        # Elements separated by lone CRs: one line to DBML's lexer, with each element starting
        # where the last body closed, which DBML accepts (the names clash: DBMT105, a rule).
        assert not pf.errors and len(pf.elements) == 3000
    else:
        assert pf.errors  # each shape is broken and says so


def test_unclosed_braces_on_one_line_name_the_first_ones():
    text = "Table t { " * 5000
    pf = parse_text(text, cache=None)
    braces = [e for e in pf.errors if e.message.startswith("'{' is never closed: expected '}'")]
    assert [e.start for e in braces] == [i * 10 + 8 for i in range(100)]
    assert all(e.end == e.start + 1 for e in braces)
    # 256 of them are open when the 257th comes: the element is read up to there (below).
    assert braces[-1].message == "'{' is never closed: expected '}' (and 156 more brackets after this one are never closed)"
    # Besides: the inner `Table t {` is read as a column with a body, once.
    assert [(e.start, e.message) for e in pf.errors if e not in braces] == [
        (18, "unexpected '{' after 'Table': a column has no body"), (256 * 10 + 8, TOO_DEEP)]


def test_unclosed_comment_is_named_once_at_its_opener():
    """The first `/*` of a line that never closes is named (the rest of its line would be the
    comment, so the other openers on it are not); the parse goes on at the next line."""
    text = "Table a {\n  id int\n}\n" + "/* " * 20000
    pf = parse_text(text, cache=None)
    assert len(pf.elements) == 1  # the table before it is whole
    assert [(e.code, e.start, e.end, e.message) for e in pf.errors] == [
        ("DBMT001", 21, 23, "unterminated comment: this '/*' is never closed (a block comment ends with '*/')")]
    inside = parse_text("Table a {\n  id int /* x\n  y int\n}\n", cache=None)
    assert [(e.start, e.end) for e in inside.errors] == [(19, 21)]
    assert [c.name.text for c in inside.elements[0].columns] == ["id", "y"]


def test_switching_scan_equals_the_plain_scan():
    for text in ("/*" * 300, "a /* b */ c /* d", "/* x */ /*/*/ '/*' `/*` /*", "x\n/*\ny */ z /*"):
        plain = [(m.start(), m.end(), m.lastgroup) for m in CHUNK_SCAN_RE.finditer(text)]
        fast = [(m.start(), m.end(), m.lastgroup) for m in finditer(CHUNK_SCAN_RE, CHUNK_SCAN_RE_NC, text)]
        assert fast == plain, text


def test_repair_budget_gives_up_with_one_diagnostic_and_keeps_the_lines_before():
    # Thousands of stray braces in one element: repairs stop once their parses cost 2n + 128K
    # characters; the element before that line keeps its errors, one diagnostic says the rest
    # is not read, and the next element is parsed.
    body = "  a int } {\n" * 5000
    text = "Table t {\n" + body + "}\nTable u {\n  id int\n}\n"
    pf = parse_text(text, cache=None)
    give_up = [e for e in pf.errors if e.message == TOO_MANY_ERRORS]
    assert len(give_up) == 1
    line = text.count("\n", 0, give_up[0].start)
    assert 1 <= line < 5000
    assert text[give_up[0].start] in "{}"
    assert len(pf.elements) == 2  # Table u after it is parsed
    assert not [e for e in pf.errors if e.start >= text.index("Table u")]


def test_a_closer_passing_many_openers_on_one_line_finds_that_line_once(monkeypatch):
    """`(` × n then `}`: each passed-over opener costs the rest of its line. Finding that line's
    end once per opener scanned the line n times (1 MB: 8 of 13 s, inside str.find, so the
    call counts above did not see it): once per line now."""
    import dbmt.syntax.generic as generic
    seen = []
    real = generic._line_end
    monkeypatch.setattr(generic, "_line_end", lambda text, at: seen.append(at) or real(text, at))
    pf = parse_text(SHAPES["paren-deep"](250), cache=None)  # within MAX_NESTING: all of them open
    assert len(seen) <= 3, len(seen)
    unclosed = [e for e in pf.errors if " is never closed" in e.message]
    assert len(unclosed) == 100 and "(and 151 more brackets after this one are never closed)" in unclosed[-1].message


def test_brackets_nested_too_deep_end_the_element_there():
    """More than MAX_NESTING brackets open at once: one DBMT001 at the one too many, the element
    read up to it (what is open there closed as usual), the next element parsed."""
    assert MAX_NESTING == 256
    text = "Table t " + "{" * 1000 + "\nTable u {\n  id int\n}\n"
    pf = parse_text(text, cache=None)
    deep = [e for e in pf.errors if e.message == TOO_DEEP]
    assert [(e.code, e.start, e.end) for e in deep] == [("DBMT001", 8 + 256, 8 + 257)]
    braces = [e for e in pf.errors if "never closed" in e.message]
    assert braces[-1].message.endswith("(and 156 more brackets after this one are never closed)")
    assert [el.name.text for el in pf.elements if el.name is not None] == ["t", "u"]
    assert not [e for e in pf.errors if e.start >= text.index("Table u")]
    # Exactly MAX_NESTING open is read whole; brackets in strings and comments, and brackets
    # closed again, do not count; a closer that matches nothing is ignored.
    at_limit = "Table t {\n  a int [default: " + "(" * 254 + "\n}\n"  # with `{` and `[`: 256
    assert not [e for e in parse_text(at_limit, cache=None).errors if e.message == TOO_DEEP]
    assert [e.start for e in parse_text(at_limit.replace("(", "((", 1), cache=None).errors
            if e.message == TOO_DEEP] == [at_limit.index("(") + 254]
    quiet = ("Table t {\n  a int [note: '" + "{" * 400 + "'] // " + "(" * 400 + "\n"
             + ("  b int [default: `" + "[" * 300 + "`]\n") + "  c int [default: " + "(" * 200 + ")" * 200 + "]\n" * 3
             + "  d int ]" + "]" * 300 + "\n}\n")
    assert not [e for e in parse_text(quiet, cache=None).errors if e.message == TOO_DEEP]


def test_work_past_the_nesting_limit_is_only_the_split():
    # A million `{` was a million nested blocks in the parse and a million closers in the
    # repair (9 s, 630 MB at 1 MB whole-process). Past the limit only the chunk split scans the
    # brackets (6 calls each: its match methods, `len`, the stack's append); before, 19 to 56
    # calls per bracket.
    for shape in ("brace-deep", "paren-deep", "bracket-deep", "table-open-one-line"):
        small = calls(lambda: parse_text(SHAPES[shape](1_000), cache=None))
        big = calls(lambda: parse_text(SHAPES[shape](100_000), cache=None))
        assert (big - small) / 99_000 <= 6, (shape, small, big)


def test_a_parse_that_stops_leaves_no_garbage_cycles():
    """A stop at the end of a chunk was raised from a local of the driver's frame, which the
    traceback keeps: a cycle holding every caller's frame and locals (a load's whole
    workspace) until a full collection. Workspace.open freezes what is alive, garbage
    included, so a fuzz run grew by 0.4 MB an input and a server kept each load's cycles."""
    import gc
    parse_text("Table warm { id int }", cache=None)
    gc.collect()
    gc.disable()
    try:
        for text in ("Table t {\n  id int [pk\n", "Table t { id int ) }\n", "Table t " + "{" * 300,
                     "Table t {\n  a int [note: 'x\n}\n", "Ref: a.b >\n"):
            assert parse_text(text, cache=None).errors
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_the_work_count_is_the_same_whatever_garbage_earlier_tests_left():
    """A collection during a count would run other objects' finalizers and count them: the
    count of one parse is the same with cyclic garbage (with finalizers) waiting."""
    class Finalized:
        def __del__(self):
            pass

    text = SHAPES["table-open-one-line"](20_000)
    calls(lambda: parse_text(text, cache=None))
    clean = calls(lambda: parse_text(text, cache=None))
    for _ in range(3_000):
        a, b = Finalized(), Finalized()
        a.other, b.other = b, a  # freed only by a collection
    assert calls(lambda: parse_text(text, cache=None)) == clean
    gc.collect()
