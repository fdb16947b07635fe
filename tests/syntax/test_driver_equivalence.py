"""The LALR driver against lark's own parser: same trees, same stopping token, same repairs.

The reference is lark's standard LALR loop (`ParserState.feed_token` through lark's interactive
parser, with the callbacks lark builds from the same `_Build` transformer) fed by the plain
scanner dbmt used before the driver: one alternation of the grammar's terminals in lark's
priority order, ignored terminals skipped. Both run on every fixture (each chunk, and each whole
file as one chunk) and on generated junk; the generic trees, the ERRCHAR tokens, the token a
parse stops at, and the repaired parse's errors must be identical.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from lark.exceptions import UnexpectedToken

from dbmt.syntax.blocks import split_chunks
from dbmt.syntax.generic import Block, Group, Line, ParseError, Token, driver, parse_chunk, parser

FIXTURES = Path(__file__).parent.parent / "fixtures"


def _reference_scanner():
    lk = parser()
    terms = sorted(lk.lexer_conf.terminals, key=lambda t: (-t.priority, t.name == "ERRCHAR"))
    regex = re.compile("|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terms))
    return regex, frozenset(lk.lexer_conf.ignore)


REF_REGEX, REF_IGNORE = _reference_scanner()


def lark_parse(text: str):
    """lark's parser on the reference token stream, with the driver's interface."""
    ip = parser().parse_interactive(text)
    bad = []
    try:
        for m in REF_REGEX.finditer(text):
            kind = m.lastgroup
            if kind in REF_IGNORE:
                continue
            tok = Token(kind, m.group(), m.start(), m.end())
            if kind == "ERRCHAR":
                bad.append(tok)
            ip.feed_token(tok)
        return ip.feed_token(Token("$END", "", len(text), len(text))), bad
    except UnexpectedToken as e:
        raise ParseError(e.token) from None


def dump(x):
    """A generic tree as plain tuples, every offset and token kept."""
    if x is None:
        return None
    if type(x) is Token:
        return ("T", x.type, x.value, x.start, x.end)
    if type(x) is Group:
        return ("G", x.kind, x.start, x.end, [dump(i) for i in x.items])
    if type(x) is Block:
        return ("B", x.start, x.end, [dump(ln) for ln in x.lines])
    if type(x) is Line:
        return ("L", x.start, x.end, [dump(i) for i in x.items], dump(x.block), [dump(i) for i in x.after])
    if type(x) is list:
        return [dump(i) for i in x]
    raise TypeError(f"unexpected node {x!r}")


def outcome(parse, text: str):
    try:
        lines, bad = parse(text)
    except ParseError as e:
        t = e.token
        return ("stop", t.type, t.value, t.start, t.end)
    return ("tree", dump(lines), [dump(t) for t in bad])


def assert_same(text: str) -> None:
    assert outcome(driver().parse, text) == outcome(lark_parse, text), text
    ours, theirs = parse_chunk(text), parse_chunk(text, parse=lark_parse)
    assert dump(ours.lines) == dump(theirs.lines), text
    assert ours.errors == theirs.errors, text
    assert ours.comments == theirs.comments, text


def fixture_texts() -> list[tuple[str, str]]:
    out = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.suffix in (".dbmt", ".dbml"):
            out.append((str(path.relative_to(FIXTURES)), path.read_text(encoding="utf-8")))
    return out


@pytest.mark.parametrize("name,text", fixture_texts(), ids=[n for n, _ in fixture_texts()])
def test_fixture_parses_identically(name, text):
    assert_same(text)  # the whole file as one chunk
    for start, end in split_chunks(text):
        assert_same(text[start:end])


# Shapes where a parse stops: stray and missing closers, two newlines the scanner cannot merge
# (a line continuation or a BOM between them), a bracket left open at the end, empty input.
STOPPING = [
    "Table a {\n  id int [pk\n  x y\n}",
    "Table a {\n  id int)\n}",
    "Table a { id int ] }",
    "Table a {\n  x int \\\n\n  y int\n}",
    "Table a {\n  x int\n\ufeff\n  y int\n}",
    "Ref: a.(b, c > d.e",
    "}",
    "Table a { ( [ { ) ] }",
    "",
    "Enum E {\n  A\n  %extension_exclusive A B }\n}",
]


@pytest.mark.parametrize("text", STOPPING)
def test_stopping_shapes_parse_identically(text):
    assert_same(text)


def test_the_comparison_covers_stops():
    # Guard against a vacuous comparison: these inputs and the fixtures do make both stop.
    chunks = STOPPING + [text[s:e] for _, text in fixture_texts() for s, e in split_chunks(text)]
    stops = [c for c in chunks if outcome(lark_parse, c)[0] == "stop"]
    assert len(stops) >= 10
    assert {outcome(lark_parse, c)[1] for c in stops} >= {"$END", "RPAR", "RSQB", "RBRACE", "_NL"}


BITS = ["Table", "Enum", "Ref", "use", "x", "y1", "1.5", "'s'", "'''m\n'''", '"q"', "`e`", "#fff",
        "%relation", "%extension_enum E.V 'a}' b", "{", "}", "(", ")", "[", "]", ":", ",", ".", ";",
        ">", "<>", "-", "~", "*", "'", '"', "`", "\n", "\n\n", " ", "\t", "// c\n", "/* b */", "/*",
        "\\\n", "\r\n", "\ufeff", "\v", "é", "😀", "$", "@"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(BITS), max_size=60).map("".join))
def test_token_soup_parses_identically(text):
    assert_same(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("{}[]()\n x:,'\"%/*\\\t")), max_size=120))
def test_bracket_soup_parses_identically(text):
    assert_same(text)


def test_tables_read_back_from_the_cache_drive_the_same_parses(tmp_path, monkeypatch):
    from dbmt.syntax import generic

    tables = generic.tables_from_lark(parser())
    path = tmp_path / "t.json"
    generic._write_tables(path, tables)
    again = generic._read_tables(path)
    assert again == tables
    fresh, cached = generic.LalrDriver(tables, generic._Build()), generic.LalrDriver(again, generic._Build())
    for _, text in fixture_texts():
        assert outcome(fresh.parse, text) == outcome(cached.parse, text)


def test_a_damaged_table_cache_is_rebuilt_from_lark(tmp_path, monkeypatch):
    from dbmt.syntax import generic

    monkeypatch.setenv("DBMT_CACHE_DIR", str(tmp_path))
    path = generic.table_cache_path(generic._grammar_text())
    assert path.parent == tmp_path
    good = generic.tables_from_lark(parser())
    damaged = dict(good, states=[[["NAME", True, 10_000]]] + good["states"][1:])
    for content in ("{not json", json.dumps(damaged), json.dumps({"terminals": []})):
        path.write_text(content, encoding="utf-8")
        generic.driver.cache_clear()
        try:
            assert outcome(generic.driver().parse, "Table a {\n  id int [pk]\n}") == outcome(lark_parse, "Table a {\n  id int [pk]\n}")
        finally:
            generic.driver.cache_clear()
        assert json.loads(path.read_text(encoding="utf-8")) == good


RESUMED = ["Table t { " * 50, "Table t " + "{" * 300, "Table t {\n  id int  ", "Table t {\n  id int // c",
           "Enum E {\n  A\n  B", "Table a {\n  x int [note: 'n']\n  indexes {\n    (a, b)"]
# Not resumed: the last token would run on into the newline appended (`\n` then `\n}` is one
# newline token), so the repaired text is parsed again from the start.
NOT_RESUMED = ["Table t {\n  id int\n", "Table a {\n  indexes {\n    (a, b)\n"]


def _driver_calls(text: str, monkeypatch):
    """parse_chunk(text) with the driver, and for each parse it ran whether it resumed one."""
    drv = driver()
    calls: list[bool] = []
    real = drv.parse

    def spy(t, resume=None):
        calls.append(resume is not None)
        return real(t, resume)

    monkeypatch.setattr(drv, "parse", spy)
    try:
        return parse_chunk(text, parse=drv.parse), calls
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("text", RESUMED)
def test_a_repair_that_only_appends_closers_resumes_the_parse(text, monkeypatch):
    """A chunk left open at its end is repaired by appending closers; the driver then goes on
    from where it stopped (its stacks kept) instead of parsing the whole chunk again, with the
    same result as lark parsing the repaired text from the start."""
    ours, calls = _driver_calls(text, monkeypatch)
    assert calls == [False, True]
    theirs = parse_chunk(text, parse=lark_parse)
    assert dump(ours.lines) == dump(theirs.lines) and ours.errors == theirs.errors


@pytest.mark.parametrize("text", NOT_RESUMED)
def test_a_repair_whose_last_token_would_change_parses_again(text, monkeypatch):
    ours, calls = _driver_calls(text, monkeypatch)
    assert calls == [False, False]
    assert_same(text)
    assert dump(ours.lines) == dump(parse_chunk(text, parse=lark_parse).lines)


def test_two_threads_parsing_at_once_get_the_parses_one_thread_gets():
    """The language server parses an edit while it may be indexing in another thread, with the
    one driver: what a parse keeps between reductions (the ERRCHAR tokens it has shifted, which
    decide whether a line's items are filtered) is the thread's own."""
    import sys
    import threading

    with_bad = "Table a {\n  id int @ [pk] $\n  @ x int\n  n int [note: 'x'] ?? @\n}\n"
    clean = "Table b {\n  id int [pk]\n  n varchar(9) [note: 'y', not null]\n  m int\n}\n"
    want = {t: dump(parse_chunk(t).lines) for t in (with_bad, clean)}
    got: dict[str, list] = {with_bad: [], clean: []}

    def work(text: str) -> None:
        for _ in range(300):
            got[text].append(dump(parse_chunk(text).lines))

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        threads = [threading.Thread(target=work, args=(t,)) for t in (with_bad, clean)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    finally:
        sys.setswitchinterval(old)
    for text, parses in got.items():
        assert len(parses) == 300 and all(p == want[text] for p in parses)
