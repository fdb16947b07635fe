"""Default values: the packed date/duration formats, column type classes, default-vs-type fit.

Everything here is pure and string-in/string-out so the rule module can call it for
DBMT601 (default does not fit the type) and DBMT602 (date or duration out of range).

Reasons are short clauses meant to be embedded in a diagnostic message, e.g.
"month 13 is outside 1–12". A reason from `check_date` / `check_duration` that starts with
"not a date" / "not a duration" is a *shape* problem (DBMT601); any other reason is a
*range* problem (DBMT602).

Shape vs. range, precisely: each field is read as a run of ASCII digits. A field whose value
lies outside its range is a range problem however many digits it was written with
('2024-13-01', '10000-01-01', '.1000' ms). A field whose value is in range but whose digit
count is wrong ('2024-1-05', '.0999' ms) is a shape problem. Shape problems are reported
before range problems, so a text has at most one reason and the DBMT601/602 split is stable.

The ranges come from the packed 7-byte layouts (dbmt-language §8 "Values"): year 0–8191
(13 bits), duration years 0–4095 (12 bits), second 0–60 (61 values, admitting a leap
second), ms 0–999 (10 bits).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "DATE_FORMAT",
    "DURATION_FORMAT",
    "TYPE_CLASSES",
    "VALUE_KINDS",
    "check_date",
    "check_duration",
    "classify_type",
    "default_fits",
    "default_range_problem",
    "integer_range",
    "structured_default",
]

DATE_FORMAT = "'YYYY-MM-DD[ HH:MM[:SS[.mmm]]]'"
DURATION_FORMAT = "'[-]P[nY][nM][nD][T[nH][nM][n[.mmm]S]]'"

TYPE_CLASSES = (
    "integer", "float", "decimal", "boolean", "string", "date", "duration",
    "timestamp", "time", "json", "uuid", "unknown",
)
VALUE_KINDS = ("number", "string", "boolean", "null", "expression", "identifier")

_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)


def _is_leap(year: int) -> bool:
    # Proleptic Gregorian: year 0 is a leap year (divisible by 400).
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


_HUGE_DIGITS = 40


def _to_int(digits: str) -> int:
    """int() of an ASCII digit run, saturating: Python refuses to convert >4300 digits, and
    anything this long is out of every range here anyway."""
    sign = -1 if digits.startswith("-") else 1
    body = digits.lstrip("+-").lstrip("0")
    if len(body) > _HUGE_DIGITS:
        return sign * 10**_HUGE_DIGITS
    return sign * int(body or "0")


@dataclass(frozen=True)
class _Field:
    name: str
    digits: str
    lo: int
    hi: int
    # Allowed digit counts, inclusive; None for max means "any".
    min_width: int
    max_width: int | None

    @property
    def value(self) -> int:
        return _to_int(self.digits)

    def width_problem(self) -> str | None:
        n = len(self.digits)
        if n < self.min_width or (self.max_width is not None and n > self.max_width):
            if self.max_width == self.min_width:
                want = f"exactly {self.min_width} digit{'s' if self.min_width != 1 else ''}"
            elif self.max_width is None:
                want = f"at least {self.min_width} digits"
            else:
                want = f"{self.min_width}–{self.max_width} digits"
            return f"{self.name} '{self.digits}' must have {want}"
        return None

    def range_problem(self) -> str | None:
        if not self.lo <= self.value <= self.hi:
            shown = self.digits.lstrip("0") or "0"
            if len(shown) > 12:
                shown = shown[:6] + "…"
            if self.name.endswith("s"):
                # Duration components read as quantities: "12 months is outside 0–11".
                return f"{shown} {self.name} is outside {self.lo}–{self.hi}"
            return f"{self.name} {shown} is outside {self.lo}–{self.hi}"
        return None


def _check_fields(fields: list[_Field], what: str) -> str | None:
    # Shape first: a wrong digit count only counts as shape when the value itself is in
    # range; an out-of-range value is reported as a range problem however it was written.
    for f in fields:
        if f.range_problem() is None:
            width = f.width_problem()
            if width is not None:
                return f"not a {what}: {width}"
    for f in fields:
        problem = f.range_problem()
        if problem is not None:
            return problem
    return None


# [0-9] rather than \d: \d also matches non-ASCII digits such as '٣', which int() accepts.
_DATE_RE = re.compile(
    r"([0-9]+)-([0-9]+)-([0-9]+)"
    r"(?: ([0-9]+):([0-9]+)(?::([0-9]+)(?:\.([0-9]+))?)?)?"
)


def _date_shape_hint(text: str) -> str:
    if text != text.strip():
        return "leading or trailing spaces"
    if re.fullmatch(r"[0-9]+-[0-9]+-[0-9]+[Tt][0-9:.]+[Zz]?", text):
        return "use a space, not 'T', between the date and the time"
    if re.search(r"[0-9]:[0-9]+(?::[0-9]+(?:\.[0-9]+)?)?\s*(?:[Zz]|[+-][0-9:]+)$", text):
        return "time zones are not part of a date"
    return f"expected {DATE_FORMAT}"


def check_date(text: str) -> str | None:
    """Check the inside of a quoted `date` default. None if valid, else a short reason.

    Reasons starting with "not a date" mean the text does not have the date shape;
    others name the out-of-range field, e.g. "day 29 is outside 1–28 for February 2023".
    """
    m = _DATE_RE.fullmatch(text)
    if m is None:
        return f"not a date: {_date_shape_hint(text)}"
    year, month, day, hour, minute, second, ms = m.groups()
    fields = [
        _Field("year", year, 0, 8191, 4, 4),
        _Field("month", month, 1, 12, 2, 2),
        # Day is checked against 1–31 here and against the real month length below, so
        # that '2023-02-30' reads "outside 1–28 for February 2023" rather than 1–31.
        _Field("day", day, 1, 31, 2, 2),
    ]
    if hour is not None:
        fields.append(_Field("hour", hour, 0, 23, 2, 2))
        fields.append(_Field("minute", minute, 0, 59, 2, 2))
    if second is not None:
        fields.append(_Field("second", second, 0, 60, 2, 2))
    if ms is not None:
        fields.append(_Field("millisecond", ms, 0, 999, 1, 3))
    problem = _check_fields(fields, "date")
    if problem is not None and problem.startswith(("not a ", "year ", "month ")):
        return problem
    # Year and month are valid here. The real month length is checked before any later
    # field, so '2023-02-30 25:00' reports the day, in field order.
    y, mo, d = int(year), int(month), _to_int(day)
    last = _days_in_month(y, mo)
    if not 1 <= d <= last:
        return f"day {d} is outside 1–{last} for {_MONTH_NAMES[mo - 1]} {y}"
    return problem


_DURATION_RE = re.compile(
    r"(-)?P"
    r"(?:([0-9]+)Y)?(?:([0-9]+)M)?(?:([0-9]+)D)?"
    r"(T(?:([0-9]+)H)?(?:([0-9]+)M)?(?:([0-9]+)(?:\.([0-9]+))?S)?)?"
)


def _duration_shape_hint(text: str) -> str:
    if text != text.strip():
        return "leading or trailing spaces"
    if text in ("P", "-P"):
        return "'P' needs at least one component, e.g. 'P1D'"
    if re.fullmatch(r"-?P(?:[0-9]+[YMD])*T", text):
        return "'T' must be followed by hours, minutes or seconds, e.g. 'PT1H'"
    if re.fullmatch(r"-?p.*", text):
        return "designators must be upper case ('P', 'Y', 'M', 'D', 'T', 'H', 'S')"
    if re.fullmatch(r"-?P[0-9YMDTHS.]*[0-9]+W[0-9YMDTHS.]*", text):
        return "weeks ('W') are not supported; use days"
    if re.fullmatch(r"-?P[0-9YMDTHS]*[0-9]+\.[0-9]+[YMDH][0-9YMDTHS.]*", text) or re.fullmatch(
        r"-?P[0-9YMD]*T[0-9H]*[0-9]+\.[0-9]+M.*", text
    ):
        return "only seconds may have a fraction"
    return f"expected {DURATION_FORMAT}"


def check_duration(text: str) -> str | None:
    """Check the inside of a quoted `duration` default. None if valid, else a short reason.

    Reasons starting with "not a duration" mean the text does not have the duration shape;
    others name the out-of-range component, e.g. "12 months is outside 0–11".
    """
    m = _DURATION_RE.fullmatch(text)
    if m is None:
        return f"not a duration: {_duration_shape_hint(text)}"
    _sign, years, months, days, t_part, hours, minutes, seconds, ms = m.groups()
    if years is None and months is None and days is None and t_part is None:
        return f"not a duration: {_duration_shape_hint(text)}"
    if t_part is not None and hours is None and minutes is None and seconds is None:
        return "not a duration: 'T' must be followed by hours, minutes or seconds, e.g. 'PT1H'"
    fields: list[_Field] = []
    # Components are unbounded digit runs (ISO 8601 does not fix their width); only the
    # millisecond fraction has a width (1–3 digits).
    for name, digits, hi in (
        ("years", years, 4095), ("months", months, 11), ("days", days, 30),
        ("hours", hours, 23), ("minutes", minutes, 59), ("seconds", seconds, 60),
    ):
        if digits is not None:
            fields.append(_Field(name, digits, 0, hi, 1, None))
    if ms is not None:
        fields.append(_Field("milliseconds", ms, 0, 999, 1, 3))
    return _check_fields(fields, "duration")


# ---------------------------------------------------------------------------------------
# Type classes

def _signed(bits: int) -> tuple[int, int]:
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def _unsigned(bits: int) -> tuple[int, int]:
    return 0, (1 << bits) - 1


# Integer names -> width in bits (None: platform-dependent). SQL names use the PostgreSQL /
# MySQL sizes (int = 32 bits), which every mainstream dialect agrees on.
_INTEGER_BITS: dict[str, int | None] = {
    # SQL
    "tinyint": 8, "smallint": 16, "int2": 16, "mediumint": 24,
    "int": 32, "integer": 32, "int4": 32, "bigint": 64, "int8": 64,
    "smallserial": 16, "serial2": 16, "serial": 32, "serial4": 32,
    "bigserial": 64, "serial8": 64,
    # Go / C-ish
    "int16": 16, "int32": 32, "int64": 64,
    # Width depends on the platform: no range check.
    "isize": None, "usize": None,
}
# Rust-style names carry their own width and signedness.
for _bits in (8, 16, 32, 64, 128):
    _INTEGER_BITS[f"i{_bits}"] = _bits
    _INTEGER_BITS[f"u{_bits}"] = _bits
for _bits in (8, 16, 32, 64):
    _INTEGER_BITS[f"uint{_bits}"] = _bits
_UNSIGNED_NAMES = {f"u{b}" for b in (8, 16, 32, 64, 128)} | {f"uint{b}" for b in (8, 16, 32, 64)} | {"usize"}

_CLASS_OF: dict[str, str] = {name: "integer" for name in _INTEGER_BITS}
_CLASS_OF.update({
    **dict.fromkeys((
        "float", "float4", "float8", "real", "double", "double precision",
        "f32", "f64", "float32", "float64", "binary_float", "binary_double",
    ), "float"),
    **dict.fromkeys(("decimal", "numeric", "dec", "number", "money", "smallmoney"), "decimal"),
    **dict.fromkeys(("boolean", "bool"), "boolean"),
    **dict.fromkeys((
        "varchar", "char", "character", "character varying", "char varying", "text", "string",
        "str", "nvarchar", "nchar", "national character", "national character varying",
        "national char", "national char varying", "nvarchar2", "varchar2", "bpchar",
        "citext", "tinytext", "mediumtext", "longtext", "ntext", "clob", "nclob",
    ), "string"),
    # dbmt's own packed date (a DATE with an optional time of day) and packed duration.
    "date": "date",
    "duration": "duration",
    **dict.fromkeys((
        "timestamp", "timestamptz", "datetime", "datetime2", "smalldatetime",
        "datetimeoffset", "timestamp with time zone", "timestamp without time zone",
    ), "timestamp"),
    **dict.fromkeys(("time", "timetz", "time with time zone", "time without time zone"), "time"),
    **dict.fromkeys(("json", "jsonb"), "json"),
    **dict.fromkeys(("uuid", "uniqueidentifier"), "uuid"),
})

_PARAMS_RE = re.compile(r"\([^()]*\)")
_SPACES_RE = re.compile(r"\s+")


# Pure functions of a type's text, asked for every column of every table: the few distinct type
# texts of a workspace are worked out once (`int`, `varchar(255)` … thousands of times over).
@functools.lru_cache(maxsize=4096)
def _last_name_part(name: str) -> str:
    """Last dot-separated part of a possibly schema-qualified, possibly quoted name."""
    parts = re.findall(r'"(?:[^"]|"")*"|[^."]+', name)
    last = parts[-1] if parts else name
    if len(last) >= 2 and last[0] == last[-1] == '"':
        last = last[1:-1].replace('""', '"')
    return last.strip()


@functools.lru_cache(maxsize=4096)
def _normalise_type(type_name: str) -> tuple[str, bool, bool]:
    """(base name lower-cased, is_array, is_unsigned) for a written type name."""
    t = type_name.strip()
    is_array = False
    # `int[]`, `int[3]`, `int[][]`, and SQL's `int ARRAY`.
    while True:
        m = re.search(r"\s*\[[0-9\s]*\]\s*$", t)
        if m is None:
            break
        is_array = True
        t = t[: m.start()]
    if re.search(r"\s+array$", t, re.IGNORECASE):
        is_array = True
        t = re.sub(r"\s+array$", "", t, flags=re.IGNORECASE)
    # Parameters may sit mid-name: `timestamp(3) with time zone`.
    t = _PARAMS_RE.sub(" ", t)
    t = _last_name_part(t).lower()
    words = _SPACES_RE.sub(" ", t).strip().split(" ")
    unsigned = False
    # MySQL modifiers; `unsigned` changes the integer range, the others do not matter here.
    while words and words[-1] in ("unsigned", "signed", "zerofill"):
        unsigned = unsigned or words[-1] == "unsigned"
        words.pop()
    return " ".join(words), is_array, unsigned


def classify_type(type_name: str) -> str:
    """Class of a column type name: one of `TYPE_CLASSES`.

    Case-insensitive; accepts schema-qualified, quoted and parametrised names
    (`pg_catalog.int4`, `"varchar"`, `decimal(10,2)`, `timestamp(3) with time zone`).
    Arrays (`int[]`, `text ARRAY`) are 'unknown': their DBML defaults are strings such as
    '{1,2}' or expressions, and classing them as their element type would reject those.
    SQL `interval` is 'unknown' too: its literals ('1 day') are not dbmt durations.
    """
    base, is_array, _unsigned_flag = _normalise_type(type_name)
    if is_array:
        return "unknown"
    return _CLASS_OF.get(base, "unknown")


def integer_range(type_name: str) -> tuple[int, int | None] | None:
    """(min, max) of an integer type; max is None for `usize`; None when there is no range
    (not an integer, or `isize`)."""
    base, is_array, unsigned = _normalise_type(type_name)
    if is_array or base not in _INTEGER_BITS:
        return None
    bits = _INTEGER_BITS[base]
    if bits is None:
        return (0, None) if base in _UNSIGNED_NAMES else None
    if unsigned or base in _UNSIGNED_NAMES:
        return _unsigned(bits)
    return _signed(bits)


# ---------------------------------------------------------------------------------------
# Defaults

def _balanced_braces(text: str) -> bool:
    depth = 0
    quote = None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and quote is None


def structured_default(type_name: str, text: str) -> bool:
    """Whether a backtick `default:` is a JSON or array literal that real DBML schemas write for
    structured columns — `{}`, `[]`, `{"a": {"b": [1, 2]}}`, PostgreSQL's `{a,b}` — rather than
    an SQL expression (language brief §10: such idioms are not SQL syntax errors).

    The column must be able to hold it: a json/jsonb column or an array (`text[]`, `int
    ARRAY`) takes a JSON object or array; an array also takes PostgreSQL's `{…}` array literal;
    a type dbmt does not know (`object`, `map`, a custom type) takes either. A column of a known
    scalar type (`int`, `varchar`, `date`…) does not: there the text is read as SQL.
    """
    import json

    t = text.strip()
    if len(t) < 2 or (t[0], t[-1]) not in (("{", "}"), ("[", "]")):
        return False
    _base, is_array, _unsigned = _normalise_type(type_name)
    cls = "array" if is_array else classify_type(type_name)
    if cls not in ("json", "array", "unknown"):
        return False
    try:
        value = json.loads(t)
    except ValueError:
        value = None
    if isinstance(value, (dict, list)):
        return True
    # PostgreSQL's array literal: `{a,b}`, `{1,2}`, `{{1,2},{3,4}}`, `{"x y",z}`.
    return cls in ("array", "unknown") and t[0] == "{" and _balanced_braces(t)

_INT_RE = re.compile(r"[+-]?[0-9]+")
_NUMBER_RE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

_ARTICLE = {
    "integer": "an integer", "float": "a number", "decimal": "a number",
    "boolean": "a boolean", "string": "a string", "date": "a date", "duration": "a duration",
}


def _shown(value_kind: str, value_text: str) -> str:
    """How the default was written, for messages."""
    if value_kind == "string":
        return "'" + value_text.replace("'", "\\'") + "'"
    if value_kind == "expression":
        return f"`{value_text}`"
    return value_text


def _enum_fits(type_name: str, value_kind: str, value_text: str, variants: Sequence[str]) -> str | None:
    if value_kind in ("null", "expression"):
        return None
    if value_kind == "identifier":
        enum_name = _last_name_part(type_name)
        parts = re.findall(r'"(?:[^"]|"")*"|[^."]+', value_text.strip())
        names = [p[1:-1].replace('""', '"') if p.startswith('"') else p.strip() for p in parts]
        if not names:
            return f"{value_text} is not a variant of {enum_name}"
        variant = names[-1]
        # `Enum.Variant` must name the column's enum; the schema, if written, is not checked.
        if len(names) >= 2 and names[-2] != enum_name:
            return f"{value_text} is a variant of {names[-2]}, not of {enum_name}"
    elif value_kind == "string":
        enum_name = _last_name_part(type_name)
        variant = value_text
    else:
        enum_name = _last_name_part(type_name)
        return f"{_shown(value_kind, value_text)} is not a variant of {enum_name}"
    if variant in variants:
        return None
    listed = ", ".join(variants[:8]) + (", …" if len(variants) > 8 else "")
    return f"{_shown(value_kind, value_text)} is not a variant of {enum_name} ({listed})"


def default_fits(
    type_name: str,
    value_kind: str,
    value_text: str,
    enum_variants: Sequence[str] | None = None,
) -> str | None:
    """Whether a DBML `default:` fits its column's type (DBMT601). None if it fits, else why.

    `value_kind` is how the default was written (see `VALUE_KINDS`); `value_text` is its text
    (for 'string', the content between the quotes). Pass `enum_variants` when the column is
    enum-typed: then only a variant fits (as `Variant`, `Enum.Variant`, or a string).

    Decisions:
    - 'null' and 'expression' fit every type (NOT NULL and SQL are checked elsewhere).
    - Integers take a 'number' without fraction or exponent, within the type's range for
      sized types (u8…u128, i8…i128, smallint/int/bigint and friends, MySQL `unsigned`).
    - Booleans also take the numbers 0 and 1, because DBML users write `default: 0`.
    - A quoted number does not fit a numeric column, nor an unquoted number a string column:
      the DBML is ambiguous about intent and the exported SQL differs.
    - Dates/durations take a 'string' with the right *shape*; an out-of-range field still
      fits here and is reported by `default_range_problem` (DBMT602).
    - Types outside §8's list (timestamp, time, json, uuid, unknown names) take anything.
    """
    if value_kind not in VALUE_KINDS:
        raise ValueError(f"unknown value kind {value_kind!r}")
    if enum_variants is not None:
        return _enum_fits(type_name, value_kind, value_text, enum_variants)
    if value_kind in ("null", "expression"):
        return None
    cls = classify_type(type_name)
    if cls not in _ARTICLE:
        return None
    shown = _shown(value_kind, value_text)
    want = _ARTICLE[cls]

    if value_kind == "identifier":
        return f"{shown} is a name, not {want}"

    if cls == "integer":
        if value_kind == "number":
            if not _INT_RE.fullmatch(value_text):
                return f"{shown} is not an integer"
            bounds = integer_range(type_name)
            if bounds is not None:
                lo, hi = bounds
                v = _to_int(value_text)
                if v < lo or (hi is not None and v > hi):
                    name = type_name.strip()
                    if hi is None:
                        return f"{shown} is negative, but {name} is unsigned"
                    # An en dash after a minus sign is hard to read: "-128 to 127".
                    span = f"{lo}–{hi}" if lo >= 0 else f"{lo} to {hi}"
                    return f"{shown} is outside {name}'s range {span}"
            return None
        if value_kind == "string" and _NUMBER_RE.fullmatch(value_text.strip()):
            # DBML users (and SQL dumps) write `default: '0'` for numbers: the quoted number
            # is read as the number, so it must still be an integer in range.
            return default_fits(type_name, "number", value_text.strip(), enum_variants)
        return f"{shown} is not an integer"

    if cls in ("float", "decimal"):
        if value_kind == "number":
            return None
        if value_kind == "string" and _NUMBER_RE.fullmatch(value_text.strip()):
            return None  # `default: '1.5'`: a quoted number, as DBML users write it
        return f"{shown} is not a number"

    if cls == "boolean":
        if value_kind == "boolean":
            return None
        if value_kind == "number" and value_text in ("0", "1"):
            return None
        if value_kind == "string" and value_text.lower() in ("true", "false"):
            return f"{shown} is a string, not a boolean (write it without quotes)"
        return f"{shown} is not a boolean"

    if cls == "string":
        if value_kind == "string":
            return None
        if value_kind == "number":
            return f"{shown} is a number, not a string (quote it: '{value_text}')"
        return f"{shown} is not a string"

    # date / duration
    if value_kind != "string":
        fmt = DATE_FORMAT if cls == "date" else DURATION_FORMAT
        return f"{shown} is not {want} (write it as {fmt})"
    reason = check_date(value_text) if cls == "date" else check_duration(value_text)
    if reason is not None and reason.startswith("not a "):
        return f"{shown} is {reason}"
    return None


def default_range_problem(type_name: str, value_kind: str, value_text: str) -> str | None:
    """DBMT602: the out-of-range field of a well-formed date/duration default, else None.

    Returns None for anything that is not a string default of a `date`/`duration` column, and
    for malformed texts (those are DBMT601, from `default_fits`).
    """
    if value_kind != "string":
        return None
    cls = classify_type(type_name)
    if cls == "date":
        reason = check_date(value_text)
    elif cls == "duration":
        reason = check_duration(value_text)
    else:
        return None
    if reason is None or reason.startswith("not a "):
        return None
    return reason
