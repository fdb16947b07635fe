"""Tests for dbmt.check.sqlexpr: SQL syntax errors and column names in backtick expressions."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbmt.check import sqlexpr
from dbmt.check.sqlexpr import SqlExpression, parse_sql_expression

VALID = [
    "now()",
    "price > 0",
    "price > 0 AND qty >= 1",
    "lower(email)",
    "id * 2",
    "(a + b) / 2",
    "status IN ('a', 'b')",
    "created_at < updated_at",
    "length(name) > 3",
    "coalesce(x, 0)",
    "current_timestamp",
    "gen_random_uuid()",
    '"quoted col" > 1',
    "price BETWEEN 1 AND 10",
    "email LIKE '%@%'",
    "CASE WHEN a > 0 THEN 1 ELSE 0 END",
    "x IS NOT NULL",
    "NOT deleted",
    "date_trunc('day', created_at)",
    "id::text",
    # more
    "t.price > 0",
    'x = \'it\'\'s\'',
    "x NOT IN (1, 2)",
    "a IS DISTINCT FROM b",
    "x::numeric(10,2)",
    "'{}'::jsonb",
    "now() + interval '1 day'",
    "current_date + interval 1 year",  # MySQL
    "date_add(now(), INTERVAL -5 DAY_HOUR)",
    "now() - interval '1' year",
    "extract(year from created_at)",
    "count(*)",
    "x IN (SELECT y FROM z)",
    "EXISTS (SELECT 1 FROM t WHERE t.a = b)",
    "x -- trailing comment",
    "/* leading */ x",
    "größe > 0",
    "'😀' = x",
    "nextval('seq'::regclass)",
    "-x",
    "x % 2 = 0",
    "a || b",
    "CURRENT_TIMESTAMP(3)",
    "true",
    "null",
    "  price > 0  ",
    "price > 0\n  AND qty > 0",
]


@pytest.mark.parametrize("text", VALID)
def test_valid(text):
    result = parse_sql_expression(text)
    assert result.errors == []
    assert result.ok


# (text, expected errors)
INVALID = [
    ("price >", [(6, 7, "missing expression after '>'")]),
    ("(a + b", [(6, 6, "missing ')'")]),
    ("SELECT FROM", [(7, 11, "unexpected 'FROM'")]),
    ("a b c", [(2, 3, "unexpected 'b'"), (4, 5, "unexpected 'c'")]),
    ("1 +* 2", [(2, 3, "unexpected '+'")]),  # the grammar blames '+', not '*'
    (")", [(0, 1, "unexpected ')'")]),
    ("", [(0, 0, "missing expression")]),
    ("NOT", [(3, 3, "missing expression")]),
    ("x AND", [(2, 5, "missing expression after 'AND'")]),
    ("x IS", [(2, 4, "missing expression after 'IS'")]),
    ("a = 1)", [(5, 6, "unexpected ')'")]),
    ("f(a,)", [(3, 4, "unexpected ','")]),
    ("f(", [(2, 2, "missing ')'")]),
    ("CASE WHEN a THEN 1", [(18, 18, "missing END")]),
    ("x BETWEEN 1", [(2, 11, "incomplete expression after 'BETWEEN'")]),
    ("'unterminated", [(0, 13, "unterminated string")]),
    ('"unterminated', [(0, 13, "unterminated quoted identifier")]),
    ("/* x", [(0, 4, "unterminated comment")]),
    # Shapes the SELECT wrapper admits but a single expression does not.
    ("a, b", [(1, 2, "unexpected ','")]),
    ("a AS b", [(2, 4, "unexpected 'AS'")]),
    ("*", [(0, 1, "unexpected '*'")]),
    ("a FROM t", [(2, 6, "unexpected 'FROM'")]),
    # Without a FROM the grammar reads WHERE as an alias, then trips over `b`.
    ("a WHERE b", [(2, 7, "unexpected 'WHERE'"), (8, 9, "unexpected 'b'")]),
    ("DISTINCT a", [(0, 8, "unexpected 'DISTINCT'")]),
    ("1; DROP TABLE x", [(1, 2, "unexpected ';'")]),
    ("now();", [(5, 6, "unexpected ';'")]),
]


@pytest.mark.parametrize("text, errors", INVALID)
def test_invalid(text, errors):
    result = parse_sql_expression(text)
    assert result.errors == errors
    assert not result.ok


@pytest.mark.parametrize(
    "text, errors",
    [
        # 😀 is one character (4 UTF-8 bytes, 2 UTF-16 units): offsets count characters.
        ("'😀' = x )", [(8, 9, "unexpected ')'")]),
        ("'😀😀' >", [(5, 6, "missing expression after '>'")]),
        ("'🎉' = x AND", [(8, 11, "missing expression after 'AND'")]),
        ("'é' = (a + b", [(12, 12, "missing ')'")]),
        ("'👩‍👩‍👧' = x )", [(12, 13, "unexpected ')'")]),  # ZWJ sequence: 5 code points
        ("🎉 > 1", [(0, 1, "unexpected '🎉'")]),
    ],
)
def test_error_offsets_are_characters(text, errors):
    result = parse_sql_expression(text)
    assert result.errors == errors
    for start, end, _ in errors:
        assert 0 <= start <= end <= len(text)


def test_emoji_error_offset_points_at_the_token():
    text = "'😀😀😀' = price >"
    ((start, end, msg),) = parse_sql_expression(text).errors
    assert text[start:end] == ">"
    assert msg == "missing expression after '>'"


# ---------------------------------------------------------------------------------------
# identifiers


@pytest.mark.parametrize(
    "text, names",
    [
        ("price > 0", [("price", 0, 5)]),
        ("price > 0 AND qty >= 1", [("price", 0, 5), ("qty", 14, 17)]),
        ("lower(email)", [("email", 6, 11)]),  # not the function name
        ("now()", []),
        ("gen_random_uuid()", []),
        ("current_timestamp", []),  # niladic function, not a column
        ("current_date = d", [("d", 15, 16)]),
        ("status IN ('a', 'b')", [("status", 0, 6)]),  # not string contents
        ("email LIKE '%@%'", [("email", 0, 5)]),
        ("t.price > 0", [("price", 2, 7)]),  # last part of a qualified name
        ("s.t.col = 1", [("col", 4, 7)]),
        ('"quoted col" > 1', [("quoted col", 0, 12)]),  # quotes removed, span as written
        ('t."Col" > 1', [("Col", 2, 7)]),
        ("id::text", [("id", 0, 2)]),  # not the type
        ("id::my_type", [("id", 0, 2)]),
        ("extract(year from created_at)", [("created_at", 18, 28)]),  # not the unit
        ("date_trunc('day', created_at)", [("created_at", 18, 28)]),
        ("CASE WHEN a > 0 THEN b ELSE 0 END", [("a", 10, 11), ("b", 21, 22)]),
        ("x IS NOT NULL", [("x", 0, 1)]),
        ("NOT deleted", [("deleted", 4, 11)]),
        ("(a + b) / 2", [("a", 1, 2), ("b", 5, 6)]),
        ("x IN (SELECT y FROM z)", [("x", 0, 1)]),  # subquery names belong to other tables
        ("'😀' = x", [("x", 6, 7)]),
        ("größe > 0", [("größe", 0, 5)]),
        ("date > time", [("date", 0, 4), ("time", 7, 11)]),  # non-reserved words are columns
        ("true AND flag", [("flag", 9, 13)]),
        ("d + interval 1 day > e", [("d", 0, 1), ("e", 21, 22)]),  # offsets hold after the MySQL interval
        ("'interval 1 day' = x", [("x", 19, 20)]),  # inside a string nothing is rewritten
    ],
)
def test_identifiers(text, names):
    assert parse_sql_expression(text).identifiers == names


def test_empty_quoted_name_is_an_error():
    r = parse_sql_expression('"" > 1')
    assert r.identifiers == [] and r.errors == [(0, 2, "a quoted name cannot be empty")]


def test_identifiers_kept_despite_errors():
    result = parse_sql_expression("price >")
    assert result.identifiers == [("price", 0, 5)]
    assert result.errors


# ---------------------------------------------------------------------------------------
# Grammar quirks: valid SQL rejected, invalid SQL accepted. Strict xfails so a grammar
# upgrade that fixes one shows up as XPASS -> failure, prompting a docstring update.

REJECTED_VALID = [
    ('"a""b" > 1', "doubled quotes inside a quoted identifier are not lexed"),
]


# Forms the grammar lacks, rewritten before parsing (_grammar_forms): no error, the same names
# at the same offsets.
@pytest.mark.parametrize("text, names", [
    ("x::text[]", [("x", 0, 1)]),
    ("x::varchar(3)[] = y", [("x", 0, 1), ("y", 18, 19)]),
    ("'{}'::text[]", []),
    ("position('a' in b)", [("b", 16, 17)]),
    ("position('in' in email) > 1", [("email", 17, 22)]),
    ("substring(a from 1 for 2) = c", [("a", 10, 11), ("c", 28, 29)]),
    ("now() AT TIME ZONE 'utc'", []),
    ("ts at time zone tz", [("ts", 0, 2), ("tz", 16, 18)]),
    ("x = 'a' COLLATE \"C\"", [("x", 0, 1)]),
    ("a <=> b", [("a", 0, 1), ("b", 6, 7)]),
    ("x NOTNULL", [("x", 0, 1)]),
    ("x ISNULL", [("x", 0, 1)]),
    ("isnull(x)", [("x", 7, 8)]),            # MySQL's function, not the postfix form
    ("'x::text[] at time zone' = y", [("y", 27, 28)]),  # nothing inside a string changes
])
def test_forms_the_grammar_lacks(text, names):
    r = parse_sql_expression(text)
    assert r.errors == [] and r.identifiers == names


@pytest.mark.parametrize(
    "text",
    [pytest.param(t, marks=pytest.mark.xfail(reason=r, strict=True)) for t, r in REJECTED_VALID],
)
def test_grammar_rejects_valid_sql(text):
    assert parse_sql_expression(text).errors == []


ACCEPTED_INVALID = [
    ("()", "an empty parenthesis parses as an empty list"),
    ("and", "reserved words parse as column names"),
    ("where", "reserved words parse as column names"),
    ("order > 1", "reserved words parse as column names"),
    ("'a' 'b'", "same-line string concatenation is lexed as one literal"),
]


@pytest.mark.parametrize(
    "text",
    [pytest.param(t, marks=pytest.mark.xfail(reason=r, strict=True)) for t, r in ACCEPTED_INVALID],
)
def test_grammar_accepts_invalid_sql(text):
    assert parse_sql_expression(text).errors != []


def test_reserved_words_are_not_identifiers():
    # Even where the grammar accepts them, reserved words are not reported as columns.
    assert parse_sql_expression("where").identifiers == []
    assert parse_sql_expression("order > 1").identifiers == []


# ---------------------------------------------------------------------------------------
# API, caching, robustness


def test_result_type():
    result = parse_sql_expression("a > 1")
    assert isinstance(result, SqlExpression)
    assert result.text == "a > 1"
    assert isinstance(result.errors, list) and isinstance(result.identifiers, list)


def test_cached_results_are_not_shared():
    first = parse_sql_expression("cache_probe > 1")
    first.identifiers.clear()
    first.errors.append((0, 0, "x"))
    second = parse_sql_expression("cache_probe > 1")
    assert second.identifiers == [("cache_probe", 0, 11)]
    assert second.errors == []


def test_parser_is_created_once():
    parse_sql_expression("a")
    parser = sqlexpr._get_parser()
    parse_sql_expression("b + 1")
    assert sqlexpr._get_parser() is parser


def test_concurrent_parsing():
    texts = [f"col_{i} > {i}" for i in range(200)]
    results: dict[str, SqlExpression] = {}

    def work(chunk):
        for t in chunk:
            results[t] = parse_sql_expression(t)

    threads = [threading.Thread(target=work, args=(texts[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, t in enumerate(texts):
        assert results[t].errors == []
        assert results[t].identifiers == [(f"col_{i}", 0, len(f"col_{i}"))]


def test_lone_surrogate_does_not_crash():
    result = parse_sql_expression("x = '\ud800'")
    assert all(0 <= s <= e <= len(result.text) for s, e, _ in result.errors)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_offsets_always_within_text(text):
    """Found by this test: `""` gave an identifier with an empty name."""
    result = parse_sql_expression(text)
    for start, end, message in result.errors:
        assert 0 <= start <= end <= len(text)
        assert message
    for name, start, end in result.identifiers:
        assert 0 <= start < end <= len(text)
        assert name


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=0x80, max_codepoint=0x1FFFF, categories=["L", "S"]), max_size=6),
    st.sampled_from(VALID[:20]),
)
def test_non_ascii_string_prefix_shifts_identifiers_by_characters(prefix, expr):
    # A string literal of arbitrary non-ASCII text in front must shift every offset by
    # exactly its length in characters.
    base = parse_sql_expression(expr)
    lit = "'" + prefix.replace("'", "") + "'"
    shifted = parse_sql_expression(f"{lit} = {lit} OR ({expr})")
    assert shifted.errors == []
    delta = 2 * len(lit) + len(" =  OR (")
    assert [(n, s - delta, e - delta) for n, s, e in shifted.identifiers] == base.identifiers
