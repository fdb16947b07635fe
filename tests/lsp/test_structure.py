"""Folding ranges and selection ranges through the protocol."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, push_caps, write

TEXT = """// The header comment
// spans two lines
use * from './base'
use { table a } from './base'
/* a block
   comment */
Table t [note: '''
  a long
  note'''] {
  id int [pk] // 😀 one
  name varchar [note: 'x']
  indexes {
    (id, name) [unique]
  }
  Note {
    'inside'
  }
}
Enum e {
  x
  y }
Ref: t.id > a.id
"""


async def test_folding_ranges(tmp_path):
    write(tmp_path, {"base.dbmt": "Table a {\n  id int [pk]\n}\n", "f.dbmt": TEXT})
    for c in (push_caps(), caps("neovim")):
        async with lsp(tmp_path, c) as h:
            got = await h.request(h.client.text_document_folding_range_async(types.FoldingRangeParams(text_document=h.doc("f.dbmt"))))
            ranges = [(r.start_line, r.end_line, r.kind) for r in got]
            assert ranges == [
                (0, 1, types.FoldingRangeKind.Comment),     # two `//` lines
                (2, 3, types.FoldingRangeKind.Imports),     # the run of use lines
                (4, 5, types.FoldingRangeKind.Comment),     # /* … */
                (6, 16, None),                              # the table, its `}` left visible
                (6, 8, None),                               # the ''' note of the header
                (11, 12, None),                             # indexes { … }
                (14, 15, None),                             # Note { … }
                (18, 20, None),                             # the enum, whose `}` ends a member line
            ]


async def test_selection_ranges_grow_from_name_to_element(tmp_path):
    write(tmp_path, {"base.dbmt": "Table a {\n  id int [pk]\n}\n", "f.dbmt": TEXT})
    async with lsp(tmp_path) as h:
        pos = h.pos("f.dbmt", "name varchar", 1, text=TEXT)
        other = h.pos("f.dbmt", "(id, name)", 2, text=TEXT)
        got = await h.request(h.client.text_document_selection_range_async(types.SelectionRangeParams(
            text_document=h.doc("f.dbmt"), positions=[pos, other, types.Position(line=99, character=0)])))
        assert len(got) == 3
        chain, s = [], got[0]
        while s is not None:
            chain.append(s.range)
            s = s.parent

        def rng(needle, length, delta=0):
            return types.Range(start=h.pos("f.dbmt", needle, delta, text=TEXT), end=h.pos("f.dbmt", needle, delta + length, text=TEXT))

        body_start = TEXT.index("{\n  id int")
        assert chain[0] == rng("name varchar", 4)                                 # the name
        assert chain[1] == rng("name varchar", len("name varchar [note: 'x']"))   # its line
        assert chain[2].start == h.pos("f.dbmt", "{\n  id int", 1, text=TEXT)     # inside the braces
        assert chain[3].start == h.pos("f.dbmt", "{\n  id int", text=TEXT)        # the block
        assert chain[4] == types.Range(start=types.Position(line=6, character=0), end=h.pos("f.dbmt", "}\nEnum", 1, text=TEXT))
        assert len(chain) == 5 and body_start > 0
        # Each range holds the one before it.
        for inner, outer in zip(chain, chain[1:]):
            assert (outer.start.line, outer.start.character) <= (inner.start.line, inner.start.character)
            assert (inner.end.line, inner.end.character) <= (outer.end.line, outer.end.character)
        # A column named in an index: name → index line → indexes block → table body → table.
        s, n = got[1], 0
        while s is not None:
            n += 1
            s = s.parent
        assert n >= 5
        # Outside everything: the position itself.
        assert got[2].range.start == got[2].range.end and got[2].parent is None
