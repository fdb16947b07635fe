"""Exact ranges of the values rules (DBMT601–605): what the editor underlines."""

from pathlib import Path

from dbmt.workspace import Workspace
from dbmt.workspace.config import Config


def diagnostics(tmp_path: Path, text: str, name: str = "a.dbmt"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path))
    return ws.diagnostics_for(str(p)), text


def only(diags, code):
    found = [d for d in diags if d.code == code]
    assert len(found) == 1, [(d.code, d.message) for d in diags]
    return found[0]


def test_sql_error_after_emoji_is_exact_inside_backticks(tmp_path):
    # Astral-plane emoji (two UTF-16 units, four UTF-8 bytes) before the error: the range is
    # in characters of the file, so it must land exactly on the ')'.
    text = "Table t {\n  a text [check: `a = '🎉🎉' || '👍')`]\n}\n"
    diags, text = diagnostics(tmp_path, text)
    d = only(diags, "DBMT603")
    assert text[d.start:d.end] == ")"
    assert d.start == text.index("')`") + 1
    assert d.message == "SQL syntax error in check expression: unexpected ')'"


def test_sql_error_in_table_checks_and_indexes(tmp_path):
    text = ("Table t {\n  a int\n  checks {\n    `'é' = a +`\n  }\n"
            "  indexes {\n    `lower(🎉 a)`\n  }\n}\n")
    diags, text = diagnostics(tmp_path, text)
    errs = sorted((d for d in diags if d.code == "DBMT603"), key=lambda d: d.start)
    assert len(errs) == 2, [(d.code, d.message) for d in diags]
    assert text[errs[0].start:errs[0].end] == "+"
    assert errs[0].message.startswith("SQL syntax error in check expression:")
    assert errs[1].message.startswith("SQL syntax error in index expression:")
    assert text.index("`lower(") < errs[1].start < text.index(")`\n  }\n}")


def test_missing_token_is_zero_width_at_the_gap(tmp_path):
    text = "Table t {\n  a timestamp [default: `now(`]\n}\n"
    diags, text = diagnostics(tmp_path, text)
    d = only(diags, "DBMT603")
    assert d.start == d.end == text.index("(`") + 1
    assert "default expression" in d.message


def test_unknown_check_column_range_and_quoting(tmp_path):
    text = ('Table t {\n  Name text\n  b int [check: `name <> \'🎉\' and "Name" <> \'\' and "name" = nope`]\n}\n')
    diags, text = diagnostics(tmp_path, text)
    warned = sorted((text[d.start:d.end] for d in diags if d.code == "DBMT604"))
    # `name` matches `Name` case-insensitively; quoted "name" must match exactly.
    assert warned == ['"name"', "nope"]


def test_default_range_is_the_literal_with_quotes(tmp_path):
    text = "Table t {\n  age int [default: 'abc']\n  d date [default: '2023-02-29']\n}\n"
    diags, text = diagnostics(tmp_path, text)
    d601 = only(diags, "DBMT601")
    assert text[d601.start:d601.end] == "'abc'"
    assert d601.message == "default 'abc' of column 'age' does not fit its type int: 'abc' is not an integer"
    d602 = only(diags, "DBMT602")
    assert text[d602.start:d602.end] == "'2023-02-29'"
    assert "day 29 is outside 1–28 for February 2023" in d602.message


def test_ref_type_mismatch_ranges_and_related(tmp_path):
    text = ("Table u {\n  id int [pk]\n}\n"
            "Table p {\n  uid bigint [ref: > u.id]\n}\n"
            "Ref: p.uid < u.id\n")
    diags, text = diagnostics(tmp_path, text)
    found = sorted((d for d in diags if d.code == "DBMT605"), key=lambda d: d.start)
    assert [text[d.start:d.end] for d in found] == ["ref: > u.id", "<"]
    for d in found:
        assert d.severity == "warning"
        assert [text[r.start:r.end].split()[0] for r in d.related] == ["uid", "id"]


def test_ref_types_across_files(tmp_path):
    (tmp_path / "u.dbmt").write_text("Table u {\n  id u32 [pk]\n}\n", encoding="utf-8")
    diags, text = diagnostics(tmp_path, "Table p {\n  uid u64 [ref: > u.id]\n}\n", "p.dbmt")
    d = only(diags, "DBMT605")
    assert {Path(r.path).name for r in d.related} == {"p.dbmt", "u.dbmt"}


def test_type_identity_choices():
    from dbmt.check.values import type_identity
    from dbmt.syntax import parse_text

    def tid(t):
        el = parse_text(f"Table x {{\n  c {t}\n}}\n").elements[0]
        return type_identity(el.columns[0].type)

    assert tid("int") == tid("integer") == tid("INT4") == tid("serial")
    assert tid("int") != tid("bigint") and tid("int") != tid("u32")
    assert tid("varchar(20)") == tid('"character varying"(20)')
    assert tid("varchar(20)") != tid("varchar(100)")
    assert tid("decimal(10,2)") == tid("numeric(10, 2)")
    assert tid("bool") == tid("boolean")
    assert tid("timestamp(3)") == tid("timestamp")
    assert tid("float8") == tid("double") != tid("real")
    assert tid("key_t") == tid("KEY_T") == tid("public.key_t")
    assert tid("int[]") != tid("int")
