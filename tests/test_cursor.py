"""The cursor helper (dbmt.cursor): what place the cursor is in, from the text alone, on broken
lines too. `|` marks the cursor in each case."""

from __future__ import annotations

import pytest

from dbmt import cursor as cur
from dbmt.cursor import cursor_at


def at(text: str) -> cur.Cursor:
    off = text.index("|")
    return cursor_at(text.replace("|", "", 1), off)


def test_top_level_keywords():
    c = at("Table a {\n  id int\n}\nTa|")
    assert (c.where, c.prefix, c.start) == (cur.TOP, "Ta", len("Table a {\n  id int\n}\n"))
    assert at("|").where == cur.TOP
    assert at("Table a {\n}\n\n|").where == cur.TOP


@pytest.mark.parametrize("text, where", [
    ("// a comment |", cur.COMMENT),
    ("Table a {\n  id int // note %|\n}", cur.COMMENT),
    ("/* open comment\n Table |", cur.COMMENT),
    ("Table a {\n  id int [note: 'abc |']\n}", cur.STRING),
    ("Table a {\n  id int [note: 'unclosed |", cur.STRING),
    ("Table a {\n  Note: '''\n  many %|\n  lines'''\n}", cur.STRING),
    ("Table a {\n  id int [default: `now() |`]\n}", cur.STRING),
])
def test_nothing_in_comments_and_strings(text, where):
    c = at(text)
    assert c.where == where and c.in_comment_or_string


def test_after_a_closed_string_or_comment_the_place_counts():
    assert at("Table a {\n  id int [note: 'x', |]\n}").where == cur.SETTING_NAME
    assert at("Table a { /* c */\n  id |\n}").where == cur.COLUMN_TYPE


def test_column_line_positions():
    c = at("Table users {\n  id int\n  na|")
    assert (c.where, c.element, c.element_name, c.prefix) == (cur.MEMBER, "table", "users", "na")
    c = at("Table users {\n  id |")
    assert (c.where, c.column) == (cur.COLUMN_TYPE, "id")
    c = at("Table users {\n  id in|")
    assert (c.where, c.prefix, c.start) == (cur.COLUMN_TYPE, "in", len("Table users {\n  id "))
    c = at("Table users {\n  id core.st|\n}")
    assert (c.where, c.qualifier, c.prefix) == (cur.COLUMN_TYPE, ("core",), "st")
    c = at("Table users {\n  id int |")
    assert (c.where, c.column, c.column_type) == (cur.COLUMN_END, "id", "int")
    assert at("Table users {\n  id varchar(10) [pk] |\n}").where == cur.COLUMN_END
    assert at("Table users {\n  id|\n}").where == cur.MEMBER  # still the name
    assert at("Table users {\n  tags text[|]\n}").where == cur.NOTHING  # an array suffix


def test_settings_lists():
    c = at("Table users {\n  id int [|")
    assert (c.where, c.settings_of, c.column, c.column_type) == (cur.SETTING_NAME, "column", "id", "int")
    c = at("Table users {\n  id int [pk, |, unique]\n}")
    assert (c.where, c.given) == (cur.SETTING_NAME, ("pk", "unique"))
    c = at("Table users {\n  id int [pk, not nu|")
    assert (c.prefix, c.start) == ("not nu", len("Table users {\n  id int [pk, "))
    c = at("Table users {\n  id int [default: |]\n}")
    assert (c.where, c.setting, c.column_type) == (cur.SETTING_VALUE, "default", "int")
    assert at("Table users [|] {\n}").settings_of == "table"
    assert at("TableGroup g [c|] {\n}").settings_of == "group"
    assert at("Enum e {\n  a [|]\n}").settings_of == "enum_value"
    assert at("Table t {\n  indexes {\n    id [|]\n  }\n}").settings_of == "index"
    assert at("Ref: a.b > c.d [|]").settings_of == "relationship"
    c = at("Ref: a.b > c.d [delete: set |]")
    assert (c.where, c.setting, c.prefix) == (cur.SETTING_VALUE, "delete", "set ")


def test_ref_endpoints():
    assert at("Table u {\n  id int [ref: |").where == cur.REF_OPERATOR
    c = at("Table u {\n  id int [ref: > |")
    assert (c.where, c.qualifier) == (cur.ENDPOINT, ())
    c = at("Table u {\n  id int [ref: > core.us|")
    assert (c.where, c.qualifier, c.prefix) == (cur.ENDPOINT, ("core",), "us")
    c = at("Table u {\n  id int [ref: > core.users.|]\n}")
    assert (c.where, c.qualifier) == (cur.ENDPOINT, ("core", "users"))
    assert at("Ref: users.id > posts.|").qualifier == ("posts",)
    c = at("Ref: |")
    assert (c.where, c.element) == (cur.ENDPOINT, "ref")
    c = at("Ref R {\n  users.id < |\n}")
    assert (c.where, c.element_name) == (cur.ENDPOINT, "R")
    c = at("Ref {\n  a.(x, |) > b.(y, z)\n}")
    assert (c.where, c.qualifier, c.given) == (cur.COMPOSITE, ("a",), ("x",))
    assert at("Ref: a.b |").where == cur.NOTHING  # an endpoint is complete: the operator comes


def test_marks():
    c = at("Table users {\n  %|")
    assert (c.where, c.placement, c.prefix, c.start) == (cur.MARK_NAME, "block", "%", len("Table users {\n  "))
    assert at("Table users { %rel|").placement == "block"
    c = at("Table users {\n  id int [pk] %|")
    assert (c.where, c.placement, c.column) == (cur.MARK_NAME, "column", "id")
    assert at("%|").placement == "misplaced"
    assert at("Enum E {\n  a\n  %|\n}").placement == "block"
    c = at("TableGroup G {\n  %access |\n}")
    assert (c.where, c.mark, c.arg_index, c.element) == (cur.MARK_ARG, "access", 0, "group")
    c = at("Table t {\n  %extension_validate write |read\n}")
    assert (c.args, c.arg_index, c.given) == (("write",), 1, ("write", "read"))
    c = at("Table t {\n  %extension_enum Acc.Sk|")
    assert (c.where, c.qualifier, c.prefix, c.arg_index) == (cur.MARK_ARG, ("Acc",), "Sk", 0)
    c = at("Table t {\n  %extension_enum Acc.|\n}")
    assert (c.qualifier, c.prefix) == (("Acc",), "")
    c = at("Enum E {\n  A\n  B\n  %extension_exclusive A | // why\n}")
    assert (c.mark, c.given) == ("extension_exclusive", ("A",))
    c = at("Table t { %relation_source x |}")
    assert c.given == ("x",)


def test_partials_groups_indexes_records():
    c = at("Table users {\n  ~pa|\n}")
    assert (c.where, c.prefix) == (cur.PARTIAL, "pa")
    c = at("TableGroup G {\n  core.|\n}")
    assert (c.where, c.element, c.qualifier) == (cur.MEMBER, "group", ("core",))
    c = at("Table users {\n  indexes {\n    (id, |)\n  }\n}")
    assert (c.where, c.given) == (cur.COLUMNS, ("id",))
    assert at("Table users {\n  indexes {\n    na|\n  }\n}").where == cur.COLUMNS
    c = at("Records users(id, |)")
    assert (c.where, c.element, c.element_name) == (cur.COLUMNS, "records", "users")
    assert at("Records |").where == cur.RECORDS_TABLE


def test_use_lines():
    c = at("use { |} from './x'")
    assert (c.where, c.use_path) == (cur.USE_KIND, "./x")
    c = at("use { table a, enum |} from '../y'")
    assert (c.where, c.use_kind, c.use_path) == (cur.USE_NAME, "enum", "../y")
    c = at("use {\n  table |\n} from './z'")
    assert (c.where, c.use_path) == (cur.USE_NAME, "./z")
    assert at("use { table a } |").where == cur.USE_FROM
    assert at("use { table a } from |").where == cur.USE_PATH


def test_broken_text():
    # An unclosed `{` followed by another element: the chunk ends there, the cursor is still in it.
    text = "Table a {\n  id int [pk]\n  x u32 [ref: > b.|\n\nTable b {\n  id int\n}\n"
    c = at(text)
    assert (c.where, c.qualifier, c.element_name) == (cur.ENDPOINT, ("b",), "a")
    # The element after it is on its own.
    c = at("Table a {\n  id int [pk\n\nTable b {\n  %|\n}\n")
    assert (c.where, c.element_name, c.placement) == (cur.MARK_NAME, "b", "block")
    # Stray closers are skipped (the parse reports them), the line goes on.
    assert at("Table a {\n  ] id |\n}").where == cur.COLUMN_TYPE
    assert at("Table a {\n  id int ) |\n}").where == cur.COLUMN_END


def test_quoted_names():
    c = at('Table a {\n  id int [ref: > "my ta|')
    assert (c.where, c.quoted, c.prefix, c.start) == (cur.ENDPOINT, True, "my ta", len("Table a {\n  id int [ref: > "))


def test_offsets_are_characters_after_non_bmp_text():
    text = "Table a {\n  x u32 [note: '😀😀', ref: > b.|]\n}"
    c = at(text)
    assert c.where == cur.ENDPOINT and c.start == text.index("|") and c.qualifier == ("b",)


def test_chunk_starts_from_the_parse_agree_with_the_text():
    from dbmt.syntax import parse_text
    text = "Table a {\n  id int\n}\n\nTable b {\n  id int [ref: > a.]\n}\n"
    off = text.index("a.]") + 2
    parsed = parse_text(text)
    assert cursor_at(text, off, [ch.start for ch in parsed.chunks]) == cursor_at(text, off)
