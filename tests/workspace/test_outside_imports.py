"""A `use` naming a file outside what the workspace discovered: the file is loaded; when it
cannot be read, DBMT111 says so (never that the file lacks the name)."""

import errno
from pathlib import Path

import dbmt.workspace as wsmod
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config


def write(p: Path, text: str) -> Path:
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def open_app(tmp_path: Path) -> Workspace:
    app = tmp_path / "app"
    return Workspace.open(app, use_cache=False, config=Config(root=app))


def messages(ws: Workspace, path: Path) -> list[str]:
    return [f"{d.code} {d.message}" for d in ws.diagnostics_for(str(path))]


def test_outside_file_is_loaded_transitively(tmp_path):
    main = write(tmp_path / "app" / "main.dbmt",
                 "use { table users } from '../lib/a'\nTable t {\n  id int [ref: > users.id]\n}\n")
    write(tmp_path / "lib" / "a.dbmt", "reuse { table users } from './b'\n")
    write(tmp_path / "lib" / "b.dbmt", "Table users {\n  id int [pk]\n}\n")
    ws = open_app(tmp_path)
    assert messages(ws, main) == []
    assert str(tmp_path / "lib" / "b.dbmt") in ws.files


def test_unreadable_outside_file(tmp_path, monkeypatch):
    main = write(tmp_path / "app" / "main.dbmt",
                 "use { table users } from '../other'\nTable t {\n  id int [ref: > users.id]\n}\n")
    other = write(tmp_path / "other.dbmt", "Table users {\n  id int [pk]\n}\n")
    real = wsmod.read_source

    def read_source(path):
        if Path(path) == other:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(wsmod, "read_source", read_source)
    ws = open_app(tmp_path)
    got = messages(ws, main)
    assert got[0] == "DBMT111 '../other' names ../other.dbmt, which cannot be read (Permission denied)"
    assert not any("defines no" in m for m in got), got


def test_edit_that_names_an_outside_file_loads_it(tmp_path):
    main = write(tmp_path / "app" / "main.dbmt", "Table t {\n  id int [pk]\n}\n")
    write(tmp_path / "lib" / "a.dbmt", "Table users {\n  id int [pk]\n}\n")
    ws = open_app(tmp_path)
    ws.update_file(str(main), "use { table users } from '../lib/a'\nTable t {\n  id int [ref: > users.id]\n}\n")
    assert messages(ws, main) == []
    assert str(tmp_path / "lib" / "a.dbmt") in ws.files
