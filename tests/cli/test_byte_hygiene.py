"""Bytes editors and other tools produce: a BOM, CRLF and lone CR line breaks, tabs, NUL, invalid
UTF-8, characters outside the BMP. Each file is checked alone (its own workspace) by the real
console script; every diagnostic's place (1-based line and column, in characters) is exact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("dbmt-lsp", path=os.path.dirname(sys.executable)) or "dbmt-lsp"

CASES = {
    # A BOM is not a character of line 1: `[` is the 10th character of line 3.
    "bom": ("\ufeffTable t {\n  id int\n  x intt [\n}\n".encode(),
            [(3, 10, 3, 11, "DBMT001", "'[' is never closed: expected ']' before '}'")]),
    "crlf": (b"Table t {\r\n  id int\r\n  x int [\r\n}\r\n",
             [(3, 9, 3, 10, "DBMT001", "'[' is never closed: expected ']' before '}'")]),
    # A lone CR is a line break for positions, as in LSP (lsp/positions.py).
    "lone-cr": (b"Table t {\r  id int\r  x int [\r}\r", None),
    "tab": (b"Table t {\n\tid int\n\t\tx int [\n}\n",
            [(3, 9, 3, 10, "DBMT001", "'[' is never closed: expected ']' before '}'")]),
    "nul": (b"Table t {\n  id int\x00\n  x int\n}\n",
            [(2, 9, 2, 10, "DBMT001", "unexpected character '\\x00'")]),
    "invalid-utf8": (b"Table t {\n  id int [note: '\xff\xfe']\n  x int [\n}\n",
                     [(2, 18, 2, 19, "DBMT001", None),
                      (3, 9, 3, 10, "DBMT001", "'[' is never closed: expected ']' before '}'")]),
    # Columns count characters: the emoji is one column here (two UTF-16 units in LSP).
    "astral": ("Table t {\n  id int [note: '\U0001F600'] @\n}\n".encode(),
               [(2, 22, 2, 23, "DBMT001", "unexpected character '@'")]),
}


def check(tmp_path: Path, name: str, data: bytes) -> list[tuple]:
    root = tmp_path / name
    root.mkdir()
    (root / "dbmt.toml").write_text("", encoding="utf-8")
    (root / "input.dbmt").write_bytes(data)
    r = subprocess.run([EXE, "--check", "--no-cache", "--output-format", "json", "."], cwd=root,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    return [(d["line"], d["column"], d["end_line"], d["end_column"], d["code"], d["message"])
            for d in doc["diagnostics"]]


@pytest.mark.parametrize("name", [n for n, (_, want) in CASES.items() if want is not None])
def test_places_are_exact(tmp_path, name):
    data, want = CASES[name]
    got = check(tmp_path, name, data)
    assert [g[:5] for g in got] == [w[:5] for w in want]
    for g, w in zip(got, want):
        if w[5] is not None:
            assert g[5] == w[5]


def test_invalid_utf8_names_the_byte(tmp_path):
    got = check(tmp_path, "bad", CASES["invalid-utf8"][0])
    assert got[0][5].startswith("the file is not valid UTF-8 (byte 0xff at byte 27)")


def test_lone_cr_lines_are_counted_like_lsp(tmp_path):
    got = check(tmp_path, "cr", CASES["lone-cr"][0])
    places = {(g[0], g[1], g[5]) for g in got}
    assert (1, 9, "'{' is never closed: expected '}'") in places
    assert (3, 9, "'[' is never closed: expected ']' before '}'") in places


def test_a_lone_cr_is_a_blank_to_the_grammar_as_in_dbml(tmp_path):
    """@dbml/parse's lexer skips a lone CR (no NEWLINE token), so `id int\\r  x int` is one
    member line there ("Inline column settings can only be `pk` or `unique`"): dbmt gives the
    same verdict, an error, placed by LSP's line counting (CR ends line 2). And `}\\rTable b {`
    is an element after a closing brace on one line, which both accept
    (tests/fixtures/syntax/lone_cr_between_elements.dbml)."""
    got = check(tmp_path, "cr2", b"Table t {\r  id int\r  x int\r}\r")
    assert [(g[0], g[1], g[4]) for g in got] == [(3, 3, "DBMT001")], got
    assert got[0][5].startswith("unexpected 'x' after the type of column 'id'")
    assert check(tmp_path, "cr3", b"Table a {\r  id int [pk]\r}\rTable b {\r  a_id int [ref: > a.id]\r}\r") == []
