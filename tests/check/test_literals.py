"""Tests for dbmt.check.literals: packed date/duration checks, type classes, default fitting."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbmt.check.literals import (
    TYPE_CLASSES,
    check_date,
    check_duration,
    classify_type,
    default_fits,
    default_range_problem,
    integer_range,
    structured_default,
)


def is_shape(reason: str | None, what: str) -> bool:
    return reason is not None and reason.startswith(f"not a {what}")


def is_range(reason: str | None, what: str) -> bool:
    return reason is not None and not reason.startswith(f"not a {what}")


# ---------------------------------------------------------------------------------------
# check_date


@pytest.mark.parametrize(
    "text",
    [
        "2024-01-01",
        "0000-01-01",
        "8191-12-31",
        "2024-02-29",  # leap year
        "2000-02-29",  # divisible by 400
        "0000-02-29",  # proleptic Gregorian: year 0 is a leap year
        "2024-01-31",
        "2024-04-30",
        "2024-01-01 00:00",
        "2024-01-01 23:59",
        "2024-01-01 23:59:59",
        "2024-01-01 23:59:60",  # leap second
        "2024-01-01 23:59:60.999",
        "2024-01-01 00:00:00.0",
        "2024-01-01 00:00:00.00",
        "2024-01-01 00:00:00.000",
        "2024-01-01 12:30:15.5",
    ],
)
def test_date_valid(text):
    assert check_date(text) is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("2023-02-29", "day 29 is outside 1–28 for February 2023"),
        ("1900-02-29", "day 29 is outside 1–28 for February 1900"),  # century, not /400
        ("2024-02-30", "day 30 is outside 1–29 for February 2024"),
        ("2024-04-31", "day 31 is outside 1–30 for April 2024"),
        ("2024-01-32", "day 32 is outside 1–31 for January 2024"),
        ("2024-01-00", "day 0 is outside 1–31 for January 2024"),
        ("8192-01-01", "year 8192 is outside 0–8191"),
        ("9999-01-01", "year 9999 is outside 0–8191"),
        ("10000-01-01", "year 10000 is outside 0–8191"),
        ("2024-13-01", "month 13 is outside 1–12"),
        ("2024-00-10", "month 0 is outside 1–12"),
        ("2024-01-01 24:00", "hour 24 is outside 0–23"),
        ("2024-01-01 23:60", "minute 60 is outside 0–59"),
        ("2024-01-01 23:59:61", "second 61 is outside 0–60"),
        ("2024-01-01 23:59:59.1000", "millisecond 1000 is outside 0–999"),
    ],
)
def test_date_out_of_range(text, reason):
    assert check_date(text) == reason


def test_date_day_reported_before_later_fields():
    # Field order: the impossible day comes before the impossible hour.
    assert check_date("2023-02-30 25:00") == "day 30 is outside 1–28 for February 2023"


def test_date_year_reported_before_day():
    assert check_date("8192-02-30") == "year 8192 is outside 0–8191"


@pytest.mark.parametrize(
    "text, hint",
    [
        ("", "expected"),
        ("abc", "expected"),
        ("2024/01/01", "expected"),
        ("2024-01", "expected"),
        ("2024-01-01 12", "expected"),
        ("2024-01-01 12:00:", "expected"),
        ("2024-01-01 12:00:00.", "expected"),
        ("2024-01-01  12:00", "expected"),
        ("-2024-01-01", "expected"),
        ("٢٠٢٤-01-01", "expected"),  # non-ASCII digits are not digits here
        ("2024-01-01T12:00", "use a space, not 'T'"),
        ("2024-01-01 12:00Z", "time zones"),
        ("2024-01-01 12:00:00+02:00", "time zones"),
        (" 2024-01-01", "spaces"),
        ("2024-01-01 ", "spaces"),
        ("2024-1-01", "month '1' must have exactly 2 digits"),
        ("2024-01-5", "day '5' must have exactly 2 digits"),
        ("24-01-01", "year '24' must have exactly 4 digits"),
        ("2024-01-01 1:00", "hour '1' must have exactly 2 digits"),
        ("2024-01-01 00:00:00.0999", "millisecond '0999' must have 1–3 digits"),
    ],
)
def test_date_not_a_date(text, hint):
    reason = check_date(text)
    assert is_shape(reason, "date"), reason
    assert hint in reason


def test_date_shape_beats_range():
    # A badly written field is reported (DBMT601) before an out-of-range one (DBMT602).
    assert is_shape(check_date("2024-1-32"), "date")


def test_date_huge_year_does_not_crash():
    reason = check_date("9" * 5000 + "-01-01")
    assert is_range(reason, "date") and reason.startswith("year ")


@st.composite
def date_fields(draw):
    year = draw(st.integers(0, 9999))
    month = draw(st.integers(0, 13))
    day = draw(st.integers(0, 32))
    time = draw(
        st.one_of(
            st.none(),
            st.tuples(st.integers(0, 25), st.integers(0, 61), st.none(), st.none()),
            st.tuples(st.integers(0, 25), st.integers(0, 61), st.integers(0, 62), st.none()),
            st.tuples(st.integers(0, 25), st.integers(0, 61), st.integers(0, 62), st.integers(0, 1100)),
        )
    )
    return year, month, day, time


def date_oracle(year, month, day, time) -> bool:
    if not (0 <= year <= 8191 and 1 <= month <= 12):
        return False
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return False
    if time is not None:
        hour, minute, second, ms = time
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            return False
        if second is not None and not 0 <= second <= 60:
            return False
        if ms is not None and not 0 <= ms <= 999:
            return False
    return True


@settings(max_examples=500)
@given(date_fields())
def test_date_agrees_with_calendar_oracle(fields):
    year, month, day, time = fields
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if time is not None:
        hour, minute, second, ms = time
        text += f" {hour:02d}:{minute:02d}"
        if second is not None:
            text += f":{second:02d}"
            if ms is not None:
                text += f".{ms}"
    reason = check_date(text)
    if date_oracle(*fields):
        assert reason is None, (text, reason)
    else:
        # Well-formed fields: any failure is a range problem, never a shape problem.
        assert is_range(reason, "date"), (text, reason)


# ---------------------------------------------------------------------------------------
# check_duration


@pytest.mark.parametrize(
    "text",
    [
        "P1Y", "P1M", "P1D", "PT1H", "PT1M", "PT1S", "PT0.5S", "PT1.999S",
        "P1Y2M3DT4H5M6.789S", "-P1D", "-PT0S", "P0D",
        "P4095Y", "P11M", "P30D", "PT23H", "PT59M", "PT60S", "PT60.999S",
        "-P4095Y11M30DT23H59M60.999S",
        "P1DT1H", "P1YT1S",
        "P0011M",  # component width is free
    ],
)
def test_duration_valid(text):
    assert check_duration(text) is None


@pytest.mark.parametrize(
    "text, reason",
    [
        ("P4096Y", "4096 years is outside 0–4095"),
        ("P12M", "12 months is outside 0–11"),
        ("P31D", "31 days is outside 0–30"),
        ("PT24H", "24 hours is outside 0–23"),
        ("PT60M", "60 minutes is outside 0–59"),
        ("PT61S", "61 seconds is outside 0–60"),
        ("PT1.1000S", "1000 milliseconds is outside 0–999"),
        ("-P1Y12M", "12 months is outside 0–11"),
    ],
)
def test_duration_out_of_range(text, reason):
    assert check_duration(text) == reason


@pytest.mark.parametrize(
    "text, hint",
    [
        ("P", "at least one component"),
        ("-P", "at least one component"),
        ("PT", "'T' must be followed"),
        ("P1DT", "'T' must be followed"),
        ("", "expected"),
        ("1D", "expected"),
        ("P1D2Y", "expected"),  # out of order
        ("PT1S1M", "expected"),
        ("+P1D", "expected"),
        ("P-1D", "expected"),
        ("P1H", "expected"),  # hours need the T
        ("P1W", "weeks"),
        ("p1d", "upper case"),
        ("P1.5D", "only seconds may have a fraction"),
        ("PT1.5M", "only seconds may have a fraction"),
        ("PT1.S", "expected"),
        (" P1D", "spaces"),
        ("PT1.0999S", "milliseconds '0999' must have 1–3 digits"),
    ],
)
def test_duration_not_a_duration(text, hint):
    reason = check_duration(text)
    assert is_shape(reason, "duration"), reason
    assert hint in reason


@settings(max_examples=300)
@given(
    st.booleans(),
    *[st.one_of(st.none(), st.integers(0, hi + 2)) for hi in (4095, 11, 30, 23, 59, 60)],
    st.one_of(st.none(), st.integers(0, 1001)),
)
def test_duration_agrees_with_oracle(neg, y, mo, d, h, mi, s, ms):
    if s is None:
        ms = None
    text = ("-" if neg else "") + "P"
    text += "".join(f"{v}{c}" for v, c in ((y, "Y"), (mo, "M"), (d, "D")) if v is not None)
    if (h, mi, s) != (None, None, None):
        text += "T" + "".join(f"{v}{c}" for v, c in ((h, "H"), (mi, "M")) if v is not None)
        if s is not None:
            text += f"{s}.{ms}S" if ms is not None else f"{s}S"
    reason = check_duration(text)
    values = [(y, 4095), (mo, 11), (d, 30), (h, 23), (mi, 59), (s, 60), (ms, 999)]
    if all(v is None for v in (y, mo, d, h, mi, s)):
        assert is_shape(reason, "duration")
    elif all(v is None or v <= hi for v, hi in values):
        assert reason is None, (text, reason)
    else:
        assert is_range(reason, "duration"), (text, reason)


# ---------------------------------------------------------------------------------------
# classify_type


@pytest.mark.parametrize(
    "name, cls",
    [
        ("int", "integer"), ("INTEGER", "integer"), ("smallint", "integer"),
        ("bigint", "integer"), ("tinyint", "integer"), ("serial", "integer"),
        ("bigserial", "integer"), ("int8", "integer"), ("u8", "integer"), ("u32", "integer"),
        ("i64", "integer"), ("i128", "integer"), ("u128", "integer"), ("U32", "integer"),
        ("int unsigned", "integer"), ("tinyint(1)", "integer"),
        ("float", "float"), ("real", "float"), ("double", "float"),
        ("double precision", "float"), ("DOUBLE   PRECISION", "float"),
        ("f32", "float"), ("f64", "float"), ("float8", "float"),
        ("decimal", "decimal"), ("numeric", "decimal"), ("decimal(10,2)", "decimal"),
        ("NUMERIC(10, 2)", "decimal"),
        ("boolean", "boolean"), ("bool", "boolean"),
        ("varchar", "string"), ("varchar(255)", "string"), ("VARCHAR (255)", "string"),
        ("char(3)", "string"), ("text", "string"), ("string", "string"),
        ("nvarchar(10)", "string"), ("character varying", "string"),
        ("character varying(20)", "string"), ("citext", "string"),
        ("date", "date"), ("DATE", "date"), ("duration", "duration"),
        ("timestamp", "timestamp"), ("timestamptz", "timestamp"), ("datetime", "timestamp"),
        ("timestamp(3) with time zone", "timestamp"), ("timestamp without time zone", "timestamp"),
        ("time", "time"), ("time with time zone", "time"), ("timetz", "time"),
        ("json", "json"), ("jsonb", "json"), ("uuid", "uuid"),
        ("public.varchar(10)", "string"), ("pg_catalog.int4", "integer"),
        ('"varchar"', "string"), ('"public"."uuid"', "uuid"),
        ("key_t", "unknown"), ("my_schema.status", "unknown"), ("bytea", "unknown"),
        ("interval", "unknown"), ("", "unknown"),
        # Arrays: their defaults are strings like '{1,2}', so no element-type checking.
        ("int[]", "unknown"), ("text[][]", "unknown"), ("varchar(3)[2]", "unknown"),
        ("int ARRAY", "unknown"),
    ],
)
def test_classify_type(name, cls):
    assert classify_type(name) == cls
    assert cls in TYPE_CLASSES


@pytest.mark.parametrize(
    "name, bounds",
    [
        ("u8", (0, 255)), ("i8", (-128, 127)), ("u16", (0, 65535)), ("i16", (-32768, 32767)),
        ("u32", (0, 2**32 - 1)), ("i32", (-(2**31), 2**31 - 1)),
        ("u64", (0, 2**64 - 1)), ("i64", (-(2**63), 2**63 - 1)),
        ("u128", (0, 2**128 - 1)), ("i128", (-(2**127), 2**127 - 1)),
        ("smallint", (-32768, 32767)), ("int", (-(2**31), 2**31 - 1)),
        ("integer", (-(2**31), 2**31 - 1)), ("bigint", (-(2**63), 2**63 - 1)),
        ("tinyint", (-128, 127)), ("tinyint unsigned", (0, 255)),
        ("int unsigned", (0, 2**32 - 1)),
        ("usize", (0, None)), ("isize", None), ("text", None), ("int[]", None),
    ],
)
def test_integer_range(name, bounds):
    assert integer_range(name) == bounds


# ---------------------------------------------------------------------------------------
# default_fits / default_range_problem


@pytest.mark.parametrize(
    "type_name, kind, text",
    [
        ("int", "number", "12"), ("int", "number", "-3"), ("int", "number", "+3"),
        ("u8", "number", "0"), ("u8", "number", "255"), ("i8", "number", "-128"),
        ("i8", "number", "127"), ("smallint", "number", "32767"),
        ("u64", "number", str(2**64 - 1)), ("i128", "number", str(-(2**127))),
        ("float", "number", "-3.5"), ("double precision", "number", "1e3"),
        ("f32", "number", "12"), ("decimal(10,2)", "number", "3.14"), ("numeric", "number", ".5"),
        ("boolean", "boolean", "true"), ("bool", "boolean", "false"),
        ("boolean", "number", "0"), ("boolean", "number", "1"),  # DBML users write 0/1
        ("varchar(255)", "string", "abc"), ("text", "string", ""), ("char", "string", "12"),
        ("int", "string", "0"), ("decimal(10,2)", "string", "1.5"),  # quoted numbers, as DBML dumps write them
        ("date", "string", "2024-02-29"), ("date", "string", "2024-01-01 12:00:00.5"),
        ("duration", "string", "P1D"), ("duration", "string", "-PT1.5S"),
        # Well-formed but out of range: the TYPE shape fits (DBMT602 is separate).
        ("date", "string", "2024-13-01"), ("date", "string", "2023-02-29"),
        ("duration", "string", "P12M"),
        # null and expressions fit anything.
        ("int", "null", "null"), ("date", "null", "null"), ("u8", "expression", "now()"),
        ("boolean", "expression", "1 + 1"),
        # unknown and unchecked types take anything.
        ("key_t", "number", "3.5"), ("key_t", "string", "x"), ("key_t", "identifier", "Foo"),
        ("int[]", "string", "{1,2}"), ("timestamp", "string", "now"), ("uuid", "number", "1"),
        ("json", "boolean", "true"), ("time", "string", "12:00"),
    ],
)
def test_default_fits(type_name, kind, text):
    assert default_fits(type_name, kind, text) is None


@pytest.mark.parametrize(
    "type_name, kind, text, reason",
    [
        ("int", "string", "abc", "'abc' is not an integer"),
        ("int", "number", "3.5", "3.5 is not an integer"),
        ("int", "number", "1e3", "1e3 is not an integer"),
        ("int", "number", "3.0", "3.0 is not an integer"),
        ("int", "boolean", "true", "true is not an integer"),
        ("int", "string", "1.5", "1.5 is not an integer"),
        ("u8", "string", "256", "256 is outside u8's range 0–255"),
        ("int", "identifier", "foo", "foo is a name, not an integer"),
        ("u8", "number", "256", "256 is outside u8's range 0–255"),
        ("u8", "number", "-1", "-1 is outside u8's range 0–255"),
        ("i8", "number", "128", "128 is outside i8's range -128 to 127"),
        ("i8", "number", "-129", "-129 is outside i8's range -128 to 127"),
        ("u16", "number", "65536", "65536 is outside u16's range 0–65535"),
        ("i16", "number", "32768", "32768 is outside i16's range -32768 to 32767"),
        ("u32", "number", "4294967296", "4294967296 is outside u32's range 0–4294967295"),
        ("i32", "number", "2147483648", "2147483648 is outside i32's range -2147483648 to 2147483647"),
        ("u64", "number", str(2**64), f"{2**64} is outside u64's range 0–{2**64 - 1}"),
        ("i64", "number", str(2**63), f"{2**63} is outside i64's range {-(2**63)} to {2**63 - 1}"),
        ("u128", "number", str(2**128), f"{2**128} is outside u128's range 0–{2**128 - 1}"),
        ("i128", "number", str(2**127), f"{2**127} is outside i128's range {-(2**127)} to {2**127 - 1}"),
        ("smallint", "number", "32768", "32768 is outside smallint's range -32768 to 32767"),
        ("int", "number", "2147483648", "2147483648 is outside int's range -2147483648 to 2147483647"),
        ("usize", "number", "-1", "-1 is negative, but usize is unsigned"),
        ("float", "string", "abc", "'abc' is not a number"),
        ("decimal", "boolean", "true", "true is not a number"),
        ("boolean", "number", "12", "12 is not a boolean"),
        ("boolean", "number", "2", "2 is not a boolean"),
        ("boolean", "string", "yes", "'yes' is not a boolean"),
        ("boolean", "string", "true", "'true' is a string, not a boolean (write it without quotes)"),
        ("varchar(10)", "number", "12", "12 is a number, not a string (quote it: '12')"),
        ("text", "boolean", "false", "false is not a string"),
        ("date", "number", "20240101", "20240101 is not a date (write it as 'YYYY-MM-DD[ HH:MM[:SS[.mmm]]]')"),
        ("date", "string", "tomorrow", "'tomorrow' is not a date: expected 'YYYY-MM-DD[ HH:MM[:SS[.mmm]]]'"),
        ("date", "string", "2024-1-01", "'2024-1-01' is not a date: month '1' must have exactly 2 digits"),
        ("duration", "string", "1 day", "'1 day' is not a duration: expected '[-]P[nY][nM][nD][T[nH][nM][n[.mmm]S]]'"),
        ("duration", "string", "P", "'P' is not a duration: 'P' needs at least one component, e.g. 'P1D'"),
        ("duration", "number", "5", "5 is not a duration (write it as '[-]P[nY][nM][nD][T[nH][nM][n[.mmm]S]]')"),
    ],
)
def test_default_does_not_fit(type_name, kind, text, reason):
    assert default_fits(type_name, kind, text) == reason


def test_default_fits_rejects_unknown_kind():
    with pytest.raises(ValueError):
        default_fits("int", "bareword", "x")


ENUM = ["active", "inactive", "banned"]


@pytest.mark.parametrize(
    "kind, text",
    [
        ("identifier", "active"),
        ("identifier", "status.active"),
        ("identifier", 'status."inactive"'),
        ("identifier", "public.status.banned"),
        ("string", "active"),
        ("null", "null"),
        ("expression", "'active'"),
    ],
)
def test_enum_default_fits(kind, text):
    assert default_fits("status", kind, text, ENUM) is None


@pytest.mark.parametrize(
    "type_name, kind, text, reason",
    [
        ("status", "identifier", "activ", "activ is not a variant of status (active, inactive, banned)"),
        ("status", "string", "Active", "'Active' is not a variant of status (active, inactive, banned)"),
        ("status", "identifier", "role.active", "role.active is a variant of role, not of status"),
        ("status", "number", "1", "1 is not a variant of status"),
        ("status", "boolean", "true", "true is not a variant of status"),
        ("public.status", "identifier", "gone", "gone is not a variant of status (active, inactive, banned)"),
    ],
)
def test_enum_default_does_not_fit(type_name, kind, text, reason):
    assert default_fits(type_name, kind, text, ENUM) == reason


def test_enum_variant_list_is_shortened():
    variants = [f"v{i}" for i in range(20)]
    reason = default_fits("e", "identifier", "x", variants)
    assert reason is not None and reason.endswith("v7, …)")


@pytest.mark.parametrize(
    "type_name, kind, text, reason",
    [
        ("date", "string", "2024-13-01", "month 13 is outside 1–12"),
        ("date", "string", "2023-02-29", "day 29 is outside 1–28 for February 2023"),
        ("date", "string", "8192-01-01", "year 8192 is outside 0–8191"),
        ("DATE", "string", "2024-01-01 00:00:61", "second 61 is outside 0–60"),
        ("duration", "string", "P31D", "31 days is outside 0–30"),
        ("duration", "string", "PT0.1000S", "1000 milliseconds is outside 0–999"),
    ],
)
def test_default_range_problem(type_name, kind, text, reason):
    assert default_range_problem(type_name, kind, text) == reason
    # ...and that default is not also a DBMT601.
    assert default_fits(type_name, kind, text) is None


@pytest.mark.parametrize(
    "type_name, kind, text",
    [
        ("date", "string", "2024-02-29"),  # valid
        ("date", "string", "not a date"),  # malformed: DBMT601, not 602
        ("duration", "string", "P"),
        ("date", "number", "1"),
        ("date", "expression", "now()"),
        ("date", "null", "null"),
        ("int", "number", "300"),
        ("u8", "number", "300"),  # integer range is a DBMT601 concern
        ("text", "string", "2024-13-01"),
    ],
)
def test_no_default_range_problem(type_name, kind, text):
    assert default_range_problem(type_name, kind, text) is None


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_date_and_duration_never_crash(text):
    for check in (check_date, check_duration):
        reason = check(text)
        assert reason is None or (isinstance(reason, str) and reason)
    for type_name in ("date", "duration", "int", "u8", "bool", "text", "float"):
        for kind in ("number", "string", "identifier"):
            default_fits(type_name, kind, text)
            default_range_problem(type_name, kind, text)


# ---------------------------------------------------------------------------------------
# structured_default: JSON / array literals as backtick defaults (§10)

@pytest.mark.parametrize("type_name,text", [
    ("jsonb", "{}"), ("json", "[]"), ("JSONB", '{"a": {"b": [1, 2]}}'), ("json", " [1, 2] "),
    ("text[]", "{}"), ("int[]", "[]"), ("int[][]", "{{1,2},{3,4}}"), ("varchar[]", '{"x y",z}'),
    ("integer ARRAY", "{1,2}"), ("object", "{}"), ("key_t", '{"k": null}'),
])
def test_structured_default_accepted(type_name, text):
    assert structured_default(type_name, text)


@pytest.mark.parametrize("type_name,text", [
    ("int", "{}"), ("varchar", "[]"), ("date", "{}"), ("boolean", "[true]"),  # scalar types: SQL
    ("jsonb", "{a: 1}"), ("json", "{a,b}"),          # not JSON (an array literal needs an array)
    ("jsonb", "[1, 2"), ("text[]", "{a,{b}"), ("jsonb", "now()"), ("jsonb", "'{}'::jsonb"),
    ("jsonb", ""), ("text[]", "{'a}"),
])
def test_structured_default_rejected(type_name, text):
    assert not structured_default(type_name, text)
