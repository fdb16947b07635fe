"""`dbmt-lsp --check` as CI runs it: the real console script in a subprocess."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXE = shutil.which("dbmt-lsp", path=os.path.dirname(sys.executable)) or "dbmt-lsp"


def run(args, cwd):
    return subprocess.run([EXE, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def write(root: Path, rel: str, text: str) -> Path:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


def test_example_workspace_is_clean():
    r = run(["--check", "examples", "--no-cache"], REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 errors, 0 warnings" in r.stdout


def test_text_format_and_exit_1(tmp_path):
    write(tmp_path, "a.dbmt", "Table a {\n  id int [ref: > b.id]\n}\n")
    r = run(["--check", "--no-cache"], tmp_path)
    assert r.returncode == 1
    first = r.stdout.splitlines()[0]
    assert first == "a.dbmt:2:18: error DBMT101 unknown table 'b'"
    assert r.stdout.splitlines()[-1] == "1 error, 0 warnings in 1 file (1 file checked)"


def test_json_schema(tmp_path):
    write(tmp_path, "sub/a.dbmt", "Table a {\n  id int [pk]\n}\nTable a {\n  x int\n}\n")
    r = run(["--check", "sub", "--format", "json", "--no-cache"], tmp_path)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert set(data) == {"version", "files_checked", "diagnostics"}
    assert data["version"] == 1 and data["files_checked"] == 1
    d = data["diagnostics"][0]
    assert set(d) == {"path", "line", "column", "end_line", "end_column", "severity", "code", "message", "related"}
    assert d["path"] == "sub/a.dbmt" and d["code"] == "DBMT105" and d["severity"] == "error"
    assert (d["line"], d["column"], d["end_line"], d["end_column"]) == (1, 7, 1, 8)
    assert d["related"] == [{"path": "sub/a.dbmt", "line": 4, "column": 7, "message": "table 'a' is also defined here"}]


def test_columns_count_characters_not_bytes(tmp_path):
    write(tmp_path, "a.dbmt", "Table a {\n  \"note_😀\" int [note: '😀😀', ref: > zz.id]\n}\n")
    data = json.loads(run(["--check", "--format", "json", "--no-cache"], tmp_path).stdout)
    d = data["diagnostics"][0]
    line = "  \"note_😀\" int [note: '😀😀', ref: > zz.id]"
    assert d["column"] == line.index("zz") + 1


def test_missing_path_exits_2(tmp_path):
    r = run(["--check", "nope"], tmp_path)
    assert r.returncode == 2
    assert r.stderr.strip() == "dbmt-lsp: no such file or directory: nope"
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("config,needle", [
    ("extension-limit = 'many'\n", "'extension-limit' must be a positive integer"),
    ("this is not toml\n", "not valid TOML"),
    ("[severity]\nDBMT999 = 'off'\n", "unknown diagnostic code 'DBMT999'"),
    ("colour = 1\n", "unknown key 'colour'"),
])
def test_bad_config_exits_2(tmp_path, config, needle):
    write(tmp_path, "dbmt.toml", config)
    write(tmp_path, "a.dbmt", "Table a { id int }\n")
    r = run(["--check"], tmp_path)
    assert r.returncode == 2, r.stdout
    assert len(r.stderr.strip().splitlines()) == 1 and needle in r.stderr


def test_severity_override_and_off(tmp_path):
    write(tmp_path, "dbmt.toml", "[severity]\nDBMT101 = 'warning'\nDBMT102 = 'off'\n")
    write(tmp_path, "a.dbmt", "Table a {\n  id int [ref: > b.id]\n  x int [ref: > a.nope]\n}\n")
    r = run(["--check", "--no-cache"], tmp_path)
    assert r.returncode == 0
    assert "warning DBMT101" in r.stdout and "DBMT102" not in r.stdout


def test_non_utf8_file_is_a_diagnostic(tmp_path):
    (tmp_path / "a.dbmt").write_bytes(b"Table a {\n  id int\n  n\xffme varchar\n}\nTable b { x int [ref: > c.id] }\n")
    r = run(["--check", "--no-cache"], tmp_path)
    assert r.returncode == 1
    assert "not valid UTF-8" in r.stdout
    assert "unknown table 'c'" in r.stdout  # the rest of the file is still checked


def test_cache_gives_same_result_and_sees_changes(tmp_path):
    a = write(tmp_path, "a.dbmt", "Table a {\n  id int [ref: > b.id]\n}\n")
    first = run(["--check"], tmp_path)
    second = run(["--check"], tmp_path)
    assert first.stdout == second.stdout and first.returncode == second.returncode == 1
    assert (tmp_path / ".dbmt-cache" / "check.json").is_file()
    a.write_text("Table a {\n  id int\n}\n", encoding="utf-8")
    third = run(["--check"], tmp_path)
    assert third.returncode == 0


def test_paths_without_check_is_usage_error(tmp_path):
    r = run(["somefile.dbmt"], tmp_path)
    assert r.returncode == 2


def test_version():
    r = run(["--version"], REPO)
    assert r.returncode == 0 and r.stdout.startswith("dbmt-lsp ")


def test_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`dbmt-lsp --check | head -1`: output beyond what the reader took is dropped quietly."""
    write(tmp_path, "a.dbmt", "".join(f"Table t{i} {{\n  x int [pk, pk]\n}}\n" for i in range(3000)))
    p = subprocess.Popen([EXE, "--check", "--no-cache"], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert p.stdout.readline().startswith(b"a.dbmt:")
    p.stdout.close()
    err = p.stderr.read().decode()
    assert p.wait(timeout=120) == 2
    assert err == ""
