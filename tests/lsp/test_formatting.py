"""Formatting through the protocol: the same layout as `dbmt-lsp --format-files`, as small
edits, for the document, a range, and after `}`."""

from __future__ import annotations

from lsprotocol import types

from dbmt.format import format_range, format_text
from lsp_harness import lsp, write
from test_edits import apply

MESSY = ("Table   users {\n  id int [pk]\n      email    varchar [unique,not null]\n}\n\n\n\n"
         "Table posts{\n id int [pk]\n  by int [ref:>users.id] // who 😀\n}\n")
OPTS = types.FormattingOptions(tab_size=4, insert_spaces=True)


async def test_document_formatting_equals_the_cli_formatter(tmp_path):
    write(tmp_path, {"a.dbmt": MESSY})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", MESSY)
        edits = await h.request(h.client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=h.doc("a.dbmt"), options=OPTS)))
        assert edits
        assert apply(MESSY, edits) == format_text(MESSY)
        formatted = apply(MESSY, edits)
        h.replace_all("a.dbmt", formatted)
        again = await h.request(h.client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=h.doc("a.dbmt"), options=OPTS)))
        assert list(again) == []


async def test_range_formatting_touches_only_the_elements_in_range(tmp_path):
    write(tmp_path, {"a.dbmt": MESSY})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", MESSY)
        p = h.pos("a.dbmt", "posts", text=MESSY)
        edits = await h.request(h.client.text_document_range_formatting_async(types.DocumentRangeFormattingParams(
            text_document=h.doc("a.dbmt"), range=types.Range(start=p, end=p), options=OPTS)))
        new = apply(MESSY, edits)
        assert new.startswith("Table   users {")  # outside the range: as written
        assert new.endswith(format_text(MESSY)[format_text(MESSY).index("Table posts"):])


async def test_on_type_formatting_after_a_closing_brace(tmp_path):
    write(tmp_path, {"a.dbmt": MESSY})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", MESSY)
        close = MESSY.index("}")
        pos = h.pos("a.dbmt", "}", 1, text=MESSY)
        edits = await h.request(h.client.text_document_on_type_formatting_async(types.DocumentOnTypeFormattingParams(
            text_document=h.doc("a.dbmt"), position=pos, ch="}", options=OPTS)))
        new = apply(MESSY, edits)
        expected = MESSY
        for s, e, t in reversed(format_range(MESSY, close, close)):
            expected = expected[:s] + t + expected[e:]
        assert new == expected and new != MESSY
        assert new.startswith(format_text(MESSY)[:format_text(MESSY).index("}") + 1])
        assert "Table posts{" in new  # the next element is not touched


async def test_a_file_with_syntax_errors_keeps_its_broken_element(tmp_path):
    text = "Table ok   {\n  id int [pk]\n}\nTable broken {\n  id int [pk\n  x (( \n}\n"
    write(tmp_path, {"a.dbmt": text})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", text)
        edits = await h.request(h.client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=h.doc("a.dbmt"), options=OPTS)))
        new = apply(text, edits)
        assert new.startswith("Table ok {")
        assert "Table broken {\n  id int [pk\n  x (( \n}" in new
