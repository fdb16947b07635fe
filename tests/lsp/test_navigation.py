"""Definition, type definition, references, implementation and highlight through the protocol."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, push_caps, write


def loc_of(h, locs):
    """(relative path, line, character) of each location or link's target."""
    out = []
    for l in locs or []:
        u = getattr(l, "target_uri", None) or l.uri
        r = getattr(l, "target_selection_range", None) or l.range
        rel = u[len(h.root.resolve().as_uri()) + 1:]
        out.append((rel, r.start.line, r.start.character))
    return out


def pos_in(h, rel, needle, delta=0):
    text = h.path(rel).read_text(encoding="utf-8")
    return h.pos(rel, needle, delta, text=text)


async def definition(h, rel, needle, delta=0, text=None):
    p = h.pos(rel, needle, delta, text=text) if text is not None else pos_in(h, rel, needle, delta)
    return await h.request(h.client.text_document_definition_async(types.DefinitionParams(
        text_document=h.doc(rel), position=p)))


async def test_definition_across_files_through_use(shop):
    async with lsp(shop) as h:
        got = await definition(h, "shoes/shoes.dbmt", "AccessoryExtType }", 3)
        assert loc_of(h, got) == [("accessories/accessories.dbmt", 1, 5)]
        # A table listed in a TableGroup, imported from the gloves team.
        got = await definition(h, "shoes/shoes.dbmt", "  Gloves\n}", 4)
        assert loc_of(h, got) == [("gloves/gloves.dbmt", 2, 6)]
        # The `use` path goes to the file.
        got = await definition(h, "shoes/shoes.dbmt", "'../gloves/gloves'", 4)
        assert loc_of(h, got) == [("gloves/gloves.dbmt", 0, 0)]
        # Enum.Variant in a mark argument: the variant.
        got = await definition(h, "accessories/accessories.dbmt", "AccessoryExtType.LedExt", 18)
        assert loc_of(h, got) == [("accessories/accessories.dbmt", 4, 2)]


async def test_definition_of_generated_things(shop):
    async with lsp(shop) as h:
        # A generated events table named in a ref goes to the %events_clone mark that makes it.
        got = await definition(h, "devices/shoe_mcu.dbmt", "BluetoothEvents.id", 2)
        text = h.path("devices/shoe_mcu.dbmt").read_text()
        mark = text.index("%events_clone", text.index("Table Bluetooth"))
        line = text.count("\n", 0, mark)
        assert loc_of(h, got) == [("devices/shoe_mcu.dbmt", line, 2)]
        # A generated extension column spelled out in a Ref goes to its variant's extension table.
        shoes = h.path("shoes/shoes.dbmt").read_text() + "\nRef: RelShoeSupportsExt.opt_to_led_ext_id - LedExt.id\n"
        h.open("shoes/shoes.dbmt", shoes)
        got = await definition(h, "shoes/shoes.dbmt", "opt_to_led_ext_id", 3, text=shoes)
        assert loc_of(h, got) == [("accessories/accessories.dbmt", 22, 6)]


async def test_aliases_and_import_aliases(tmp_path):
    write(tmp_path, {
        "base.dbmt": "Table core.users as U {\n  id int [pk]\n}\nEnum status {\n  on\n  off\n}\n",
        "app.dbmt": "use { table core.users as people, enum status as st } from './base'\n"
                    "Table posts {\n  id int [pk]\n  owner int [ref: > people.id]\n  s st\n}\n",
        "other.dbmt": "Table notes {\n  id int [pk]\n  by int [ref: > U.id]\n}\n",
    })
    async with lsp(tmp_path) as h:
        got = await definition(h, "app.dbmt", "people.id", 2)
        assert loc_of(h, got) == [("base.dbmt", 0, 11)]
        got = await definition(h, "app.dbmt", "people.id", 8)
        assert loc_of(h, got) == [("base.dbmt", 1, 2)]
        got = await definition(h, "app.dbmt", "  s st", 5)
        assert loc_of(h, got) == [("base.dbmt", 3, 5)]
        got = await definition(h, "other.dbmt", "U.id", 0)
        assert loc_of(h, got) == [("base.dbmt", 0, 11)]
        # The alias in the use line is a name of its own for the same table.
        refs = await h.request(h.client.text_document_references_async(types.ReferenceParams(
            text_document=h.doc("base.dbmt"), position=pos_in(h, "base.dbmt", "users"),
            context=types.ReferenceContext(include_declaration=True))))
        assert sorted(loc_of(h, refs)) == [("app.dbmt", 0, 17), ("app.dbmt", 0, 26), ("app.dbmt", 3, 20),
                                           ("base.dbmt", 0, 11), ("base.dbmt", 0, 20), ("other.dbmt", 2, 17)]


async def test_utf16_positions_with_emoji_before_the_name(tmp_path):
    write(tmp_path, {
        "a.dbmt": "Table \"😀 users\" {\n  id int [pk]\n}\n",
        "b.dbmt": "Table posts { // 😀😀 emoji first\n  id int [pk] // 𝄞\n  u int [note: '😀', ref: > \"😀 users\".id]\n}\n",
    })
    async with lsp(tmp_path) as h:
        text = h.path("b.dbmt").read_text()
        got = await definition(h, "b.dbmt", ".id]", 2)
        assert loc_of(h, got) == [("a.dbmt", 1, 2)]
        got = await definition(h, "b.dbmt", "users\".id", 0)
        # "😀 users" is quoted: its range starts at the quote, after `Table ` (6 UTF-16 units).
        assert loc_of(h, got) == [("a.dbmt", 0, 6)]
        # The position the server computed for the reference range is UTF-16 too.
        hl = await h.request(h.client.text_document_document_highlight_async(types.DocumentHighlightParams(
            text_document=h.doc("b.dbmt"), position=h.pos("b.dbmt", ".id]", 1, text=text))))
        assert [(x.range.start.line, x.range.start.character) for x in hl] == [(2, len("  u int [note: '😀', ref: > \"😀 users\".".encode("utf-16-le")) // 2)]


async def test_utf8_and_utf32_encodings_are_negotiated(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t { // 😀\n  id int [pk]\n}\nTable u {\n  x int [note: '😀', ref: > t.id]\n}\n"})
    for enc, col in (("utf-8", len("  x int [note: '😀', ref: > t.".encode("utf-8"))),
                     ("utf-32", len("  x int [note: '😀', ref: > t."))):
        c = push_caps()
        c.general = types.GeneralClientCapabilities(position_encodings=[enc, "utf-16"])
        async with lsp(tmp_path, c) as h:
            assert h.init_result.capabilities.position_encoding == enc
            got = await h.request(h.client.text_document_definition_async(types.DefinitionParams(
                text_document=h.doc("a.dbmt"), position=types.Position(line=4, character=col))))
            assert loc_of(h, got) == [("a.dbmt", 1, 2)]
            hl = await h.request(h.client.text_document_document_highlight_async(types.DocumentHighlightParams(
                text_document=h.doc("a.dbmt"), position=types.Position(line=4, character=col))))
            assert (4, col) in [(x.range.start.line, x.range.start.character) for x in hl]


async def test_a_broken_file_still_answers_definition(tmp_path):
    write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\n"})
    broken = "Table posts {\n  id int [pk\n  u int [ref: > users.id]\n  oops ((\n}\nTable x {\n  y int [ref: > users.id]\n"
    write(tmp_path, {"b.dbmt": broken})
    async with lsp(tmp_path) as h:
        h.open("b.dbmt", broken)
        ds = await h.wait_diagnostics("b.dbmt", lambda ds: any(d.code == "DBMT001" for d in ds))
        assert ds
        text = broken
        last = text.rindex("users.id")
        line = text.count("\n", 0, last)
        got = await h.request(h.client.text_document_definition_async(types.DefinitionParams(
            text_document=h.doc("b.dbmt"), position=types.Position(line=line, character=last - text.rfind("\n", 0, last) - 1))))
        assert loc_of(h, got) == [("a.dbmt", 0, 6)]


async def test_type_definition_of_a_column_is_its_enum(tmp_path):
    write(tmp_path, {"a.dbmt": "Enum status {\n  on\n  off\n}\nTable t {\n  id int [pk]\n  s status\n}\nTable u {\n  x int [ref: > t.s]\n}\n"})
    async with lsp(tmp_path) as h:
        got = await h.request(h.client.text_document_type_definition_async(types.TypeDefinitionParams(
            text_document=h.doc("a.dbmt"), position=pos_in(h, "a.dbmt", "t.s]", 2))))
        assert loc_of(h, got) == [("a.dbmt", 0, 5)]


async def test_references_across_open_and_closed_files(shop):
    async with lsp(shop) as h:
        h.open("shoes/shoes.dbmt")
        refs = await h.request(h.client.text_document_references_async(types.ReferenceParams(
            text_document=h.doc("accessories/accessories.dbmt"),
            position=pos_in(h, "accessories/accessories.dbmt", "Enum AccessoryExtType", 6),
            context=types.ReferenceContext(include_declaration=False))))
        files = sorted({r[0] for r in loc_of(h, refs)})
        assert files == ["accessories/accessories.dbmt", "gloves/gloves.dbmt", "shoes/shoes.dbmt"]
        assert ("accessories/accessories.dbmt", 1, 5) not in loc_of(h, refs)
        assert len(refs) == 7  # 3 %extension_enum marks, 2 use lines, 2 %extension marks
        with_decl = await h.request(h.client.text_document_references_async(types.ReferenceParams(
            text_document=h.doc("accessories/accessories.dbmt"),
            position=pos_in(h, "accessories/accessories.dbmt", "Enum AccessoryExtType", 6),
            context=types.ReferenceContext(include_declaration=True))))
        assert len(with_decl) == 8


async def test_implementation_of_group_enum_and_variant(shop):
    async with lsp(shop) as h:
        got = await h.request(h.client.text_document_implementation_async(types.ImplementationParams(
            text_document=h.doc("shoes/shoes.dbmt"), position=pos_in(h, "shoes/shoes.dbmt", "GrProducts", 2))))
        assert sorted(r[0] for r in loc_of(h, got)) == ["gloves/gloves.dbmt", "shoes/shoes.dbmt"]
        got = await h.request(h.client.text_document_implementation_async(types.ImplementationParams(
            text_document=h.doc("accessories/accessories.dbmt"),
            position=pos_in(h, "accessories/accessories.dbmt", "Enum AccessoryExtType", 6))))
        names = sorted(h.path(r[0]).read_text().splitlines()[r[1]][r[2]:].split()[0] for r in loc_of(h, got))
        assert names == ["LedExt", "RelGloveSupportsExt", "RelShoeSupportsExt", "RunningExt", "SkeeingExt"]
        got = await h.request(h.client.text_document_implementation_async(types.ImplementationParams(
            text_document=h.doc("accessories/accessories.dbmt"),
            position=pos_in(h, "accessories/accessories.dbmt", "  LedExt [", 3))))
        names = sorted(h.path(r[0]).read_text().splitlines()[r[1]][r[2]:].split()[0] for r in loc_of(h, got))
        assert names == ["LedExt", "RelGloveSupportsExt", "RelShoeSupportsExt"]


async def test_requests_on_unknown_documents_answer_null(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n}\n"})
    async with lsp(tmp_path, caps("neovim")) as h:
        got = await h.request(h.client.text_document_definition_async(types.DefinitionParams(
            text_document=types.TextDocumentIdentifier(uri=(tmp_path / "nope.dbmt").as_uri()),
            position=types.Position(line=0, character=0))))
        assert got is None
        got = await h.request(h.client.text_document_definition_async(types.DefinitionParams(
            text_document=h.doc("a.dbmt"), position=types.Position(line=99, character=99))))
        assert got is None
