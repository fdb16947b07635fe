"""The `use` edit builder (dbmt.imports): the text auto-import and the DBMT101 quick fix add.
Each case applies the edit and checks the result with the checker: the name is then visible."""

from __future__ import annotations

from pathlib import Path

from dbmt.imports import TextEdit, import_edit, use_path
from dbmt.workspace import Workspace


def load(tmp_path: Path, files: dict[str, str]) -> Workspace:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(text.encode())
    (tmp_path / "dbmt.toml").write_text("")
    return Workspace.open(tmp_path)


def apply(text: str, e: TextEdit) -> str:
    return text[:e.start] + e.text + text[e.end:]


def definition(ws, kind: str, key: str):
    return ws.index.defs[kind][key][0]


MISSING = {"table": "DBMT101", "enum": "DBMT103", "partial": "DBMT109"}


def fixed(ws, rel: str, kind: str, key: str) -> str:
    """Import `key` into `rel`: the unknown-name diagnostic it had is gone, and no other
    diagnostic came."""
    path = str(ws.root / rel)
    before = [d.code for d in ws.diagnostics_for(path)]
    assert MISSING[kind] in before
    e = import_edit(ws.index, path, definition(ws, kind, key))
    new = apply(ws.text_of(path), e)
    ws.update_file(path, new)
    after = [d.code for d in ws.diagnostics_for(path)]
    expected = list(before)
    expected.remove(MISSING[kind])
    assert sorted(after) == sorted(expected), (new, after)
    return new


BASE = {"lib/users.dbmt": "Table core.users {\n  id int [pk]\n}\nTable orgs {\n  id int [pk]\n}\n"
                          "Enum status {\n  on\n  off\n}\nTablePartial stamps {\n  at timestamp\n}\n"}


def test_adds_a_line_after_the_first_run_of_use_lines(tmp_path):
    ws = load(tmp_path, {**BASE, "other.dbmt": "Table x {\n  id int [pk]\n}\n",
                         "app/a.dbmt": "// header\nuse * from '../other'\n\nTable a {\n  id int [pk]\n  o int [ref: > orgs.id]\n}\n"})
    new = fixed(ws, "app/a.dbmt", "table", "public.orgs")
    assert new.splitlines()[:3] == ["// header", "use * from '../other'", "use { table orgs } from '../lib/users'"]


def test_extends_a_one_line_use_of_that_file(tmp_path):
    ws = load(tmp_path, {**BASE, "a.dbmt": "use { enum status } from './lib/users'\nTable a {\n  id int [pk]\n  u int [ref: > core.users.id]\n  ~stamps\n}\n"})
    new = fixed(ws, "a.dbmt", "table", "core.users")
    assert new.splitlines()[0] == "use { enum status, table core.users } from './lib/users'"
    new2 = fixed(ws, "a.dbmt", "partial", "stamps")
    assert new2.splitlines()[0] == "use { enum status, table core.users, tablepartial stamps } from './lib/users'"


def test_extends_a_multi_line_use_keeping_its_indentation(tmp_path):
    ws = load(tmp_path, {**BASE, "a.dbmt": "use {\n    enum status\n} from './lib/users'\nTable a {\n  id int [pk]\n  s status\n  o int [ref: > orgs.id]\n}\n"})
    new = fixed(ws, "a.dbmt", "table", "public.orgs")
    assert new.startswith("use {\n    enum status\n    table orgs\n} from './lib/users'\n")


def test_crlf_files_get_crlf(tmp_path):
    ws = load(tmp_path, {**BASE, "a.dbmt": "use {\r\n  enum status\r\n} from './lib/users'\r\nTable a {\r\n  id int [pk]\r\n  o int [ref: > orgs.id]\r\n}\r\n"})
    new = fixed(ws, "a.dbmt", "table", "public.orgs")
    assert "  enum status\r\n  table orgs\r\n}" in new


def test_empty_braces_and_quoted_names(tmp_path):
    ws = load(tmp_path, {"lib.dbmt": 'Table "my table" {\n  id int [pk]\n}\n',
                         "a.dbmt": "use { } from './lib'\nTable a {\n  id int [pk]\n  t int [ref: > \"my table\".id]\n}\n"})
    new = fixed(ws, "a.dbmt", "table", "public.my table")
    assert new.splitlines()[0] == "use { table \"my table\" } from './lib'"


def test_a_file_without_use_lines_gets_one_before_its_first_element(tmp_path):
    ws = load(tmp_path, {**BASE, "a.dbml": "// plain DBML\nTable a {\n  id int [pk]\n}\n"})
    path = str(tmp_path / "a.dbml")
    e = import_edit(ws.index, path, definition(ws, "table", "public.orgs"))
    assert apply(ws.text_of(path), e) == "// plain DBML\nuse { table orgs } from './lib/users'\n\nTable a {\n  id int [pk]\n}\n"


def test_paths_drop_the_extension_unless_it_would_name_another_file(tmp_path):
    for rel in ("a/x.dbmt", "b/y.dbml", "b/y.dbmt", "b/z.dbml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("")
    imp = str(tmp_path / "a" / "x.dbmt")
    assert use_path(imp, str(tmp_path / "b" / "z.dbml")) == "../b/z"
    assert use_path(imp, str(tmp_path / "b" / "y.dbmt")) == "../b/y"
    assert use_path(imp, str(tmp_path / "b" / "y.dbml")) == "../b/y.dbml"  # ./y would be y.dbmt
    assert use_path(str(tmp_path / "b" / "z.dbml"), str(tmp_path / "b" / "y.dbmt")) == "./y"


def test_cached_edits_for_several_names_of_one_file(tmp_path):
    ws = load(tmp_path, {**BASE, "a.dbmt": "use { enum status } from './lib/users'\nTable a {\n  id int [pk]\n}\n"})
    path = str(tmp_path / "a.dbmt")
    cache: dict = {}
    one = import_edit(ws.index, path, definition(ws, "table", "public.orgs"), cache=cache)
    two = import_edit(ws.index, path, definition(ws, "table", "core.users"), cache=cache)
    assert (one.start, one.end) == (two.start, two.end)
    assert one.text == ", table orgs" and two.text == ", table core.users"
    assert two == import_edit(ws.index, path, definition(ws, "table", "core.users"))
