"""Re-parsing after an edit (parse_text with `previous`) gives exactly what a fresh parse gives:
the same elements, marks, comments and errors, at the same offsets."""

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from dbmt.syntax import nodes as n
from dbmt.syntax import parse_text
from dbmt.syntax.blocks import marked_chunks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SOURCES = sorted(p.read_text(encoding="utf-8") for p in [*FIXTURES.rglob("*.dbm[lt]"), *EXAMPLES.rglob("*.dbmt")])


def whole(pf):
    return (n.dump(pf.elements), n.dump(pf.marks), n.dump(pf.comments), n.dump(pf.errors),
            [(c.start, c.end) for c in pf.chunks])


PIECES = ["\n", "}", "{", "} Table u {", "\r", "Table t {\n  id int [pk]\n}\n", "  x int [ref: > users.id]\n", "/* ", " */",
          "'", "'''", "`", "[", "]", "Ref: a.b > c.d\n", "  %relation\n", "\n{\n", "Enum e {\n  a\n}",
          "// c\n", "(", ")", " ", "x", "😀", "use * from './x'\n", "Table", "  %events_clone\n"]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(SOURCES), st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.sampled_from(PIECES)),
                                         min_size=1, max_size=6))
def test_reparse_equals_fresh_parse(source, edits):
    pf = parse_text(source)
    text = source
    for where, length, piece in edits:
        at = int(where * len(text))
        cut = int(length * min(40, len(text) - at)) if length > 0.5 else 0
        text = text[:at] + piece + text[at + cut:]
        pf = parse_text(text, previous=pf)
        assert whole(pf) == whole(parse_text(text)), (at, cut, piece)


@pytest.mark.parametrize("source", SOURCES[:20])
def test_reparse_keeps_untouched_elements(source):
    """Elements before the edit are the same objects; the ones after it are the same objects,
    moved."""
    pf = parse_text(source)
    if len(pf.chunks) < 3:
        return
    middle = pf.chunks[len(pf.chunks) // 2]
    before = [el for c in pf.chunks if c.end < middle.start - 1 for el in c.elements]
    after = [el for c in pf.chunks if c.start > middle.end + 1 for el in c.elements]
    text = source[:middle.start] + "// note\n" + source[middle.start:]
    new = parse_text(text, previous=pf)
    ids = {id(el) for el in new.elements}
    assert all(id(el) in ids for el in before[:-1])
    assert all(id(el) in ids for el in after)
    assert whole(new) == whole(parse_text(text))


def test_an_unclosed_triple_quote_makes_the_chunks_after_it_suspect():
    """`'''` opening at the top and closing only at the end (typed in two steps): the scanner
    reads the opener as `''` and `'`, so it must still note it, or the re-parse keeps chunks
    that the closing quotes swallowed."""
    source = "// the team's file\nEnum e {\n  a\n}\nTable t {\n  id int [pk]\n}\n"
    pf = parse_text(source)
    text = "'''" + source
    pf = parse_text(text, previous=pf)
    assert pf.chunks[0].dangling
    text += "'''"
    pf = parse_text(text, previous=pf)
    assert whole(pf) == whole(parse_text(text))
    assert [(c.start, c.end) for c in pf.chunks] == [(0, len(text))]


@pytest.mark.parametrize("value, dangling", [
    ("'a'", False), ("''", False), ("'''a'''", False), ("'''\na\n'''", False), ("`a`", False),
    ("/* a */ 1", False), ("'a", True), ("'''a", True), ("`a", True), ("/* a", True),
    ("'' '", True), ("''' '''' ", True), ("''' ''' ", False),
])
def test_the_chunk_scanner_notes_each_opener_that_never_closes(value, dangling):
    """Exactly the chunks holding a `'`, `'''`, backtick or `/*` that never closes are marked;
    a closed string of every kind, an empty `''` and a comment are not."""
    text = f"Enum e {{\n  a\n}}\nTable t {{\n  x int [default: {value}]\n}}\nEnum f {{\n  b\n}}\n"
    marks = [d for _s, _e, d in marked_chunks(text)]
    assert marks[0] is False
    assert marks[1] is dangling, marked_chunks(text)
