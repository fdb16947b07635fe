"""The parser: constructs, recovery, exact ranges, and that no input crashes or hangs it."""

from hypothesis import given, settings, strategies as st

from dbmt.syntax import parse_text
from dbmt.syntax.positions import LineIndex


def test_broken_line_in_the_middle_keeps_the_tables_after_it():
    text = "Table a {\n  id int [pk]\n}\nTable b {\n  x int [\n  y int\n}\nTable c {\n  z int\n}\nTable d { w int }\n"
    pf = parse_text(text)
    assert [e.name.text for e in pf.elements] == ["a", "b", "c", "d"]
    assert len(pf.errors) == 1 and pf.lines.line_col(pf.errors[0].start) == (4, 8)
    assert [c.name.text for c in pf.elements[1].columns] == ["x", "y"]


def test_unclosed_brace_does_not_swallow_the_file():
    pf = parse_text("Table a {\n  id int\n\nTable b {\n  id int\n}\n")
    assert [e.name.text for e in pf.elements] == ["a", "b"]
    assert "never closed" in pf.errors[0].message


def test_marks_block_and_column():
    pf = parse_text("Table R { %relation\n  u key_t [ref: > U.id] %relation_source // c\n}\n")
    t = pf.elements[0]
    assert [m.name for m in t.marks] == ["relation"]
    assert [m.name for m in t.columns[0].marks] == ["relation_source"]
    assert pf.comments[0].text == "// c"


def test_mark_arguments_and_closing_brace():
    pf = parse_text("Enum E { A\n B\n %extension_exclusive A B }\n")
    mk = pf.elements[0].marks[0]
    assert [a.text for a in mk.args] == ["A", "B"] and not pf.errors


def test_names_have_exact_ranges():
    text = 'Table "my table" as T {\n  "a col" int\n}\n'
    pf = parse_text(text)
    t = pf.elements[0]
    assert text[t.name.start:t.name.end] == '"my table"' and t.name.text == "my table"
    c = t.columns[0]
    assert text[c.name.start:c.name.end] == '"a col"'


def test_utf16_columns():
    li = LineIndex("a😀b\nc")
    assert li.line_col(3) == (0, 3)
    assert li.line_utf16(3) == (0, 4)
    assert li.offset_utf16(0, 4) == 3


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("Table {}[]()'\"`%:.,<>-~*#\n /\\abcxyz0123456789😀")), max_size=300))
def test_any_text_parses_without_crashing(text):
    pf = parse_text(text)
    for e in pf.errors:
        assert 0 <= e.start <= e.end <= len(text) + 2


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=20))
def test_deleting_any_span_of_a_valid_file_never_crashes(at, length):
    base = open(__file__.replace("test_parser.py", "../fixtures/syntax/all_of_dbml.dbml"), encoding="utf-8").read()
    at = min(at, len(base))
    parse_text(base[:at] + base[at + length:])
