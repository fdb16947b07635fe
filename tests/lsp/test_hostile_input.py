"""Hostile bytes and shapes through the real server: exact UTF-16 ranges, and a never-closed
line of `Table t {` answered (it froze the server before the repairs became one round)."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import lsp


async def test_bom_tab_and_astral_ranges_in_utf16(tmp_path):
    (tmp_path / "dbmt.toml").write_text("", encoding="utf-8")
    # A BOM, a tab and an emoji (two UTF-16 units) before the bad character on line 1.
    text = "\ufeffTable t {\n\tid int [note: '\U0001F600'] @\n}\n"
    (tmp_path / "a.dbmt").write_text(text, encoding="utf-8")
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", text)
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert [(d.code, d.message) for d in ds] == [("DBMT001", "unexpected character '@'")]
        # "\tid int [note: '😀'] " is 21 UTF-16 units (the emoji counts two).
        assert ds[0].range == types.Range(start=types.Position(line=1, character=21),
                                          end=types.Position(line=1, character=22))


async def test_unclosed_tables_on_one_line_are_answered(tmp_path):
    (tmp_path / "dbmt.toml").write_text("", encoding="utf-8")
    text = "Table t { " * 5000
    (tmp_path / "a.dbmt").write_text(text, encoding="utf-8")
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", text)
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        braces = sorted(d.range.start.character for d in ds if d.message.startswith("'{' is never closed: expected '}'"))
        # The first 100; 256 are open when the 257th comes, and the element ends there.
        assert braces == [i * 10 + 8 for i in range(100)]
        assert sum("(and 156 more brackets after this one are never closed)" in d.message for d in ds) == 1
        assert [d.range.start.character for d in ds if d.message.startswith("brackets nested more than 256 deep")] == [2568]
