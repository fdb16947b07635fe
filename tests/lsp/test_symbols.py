"""Document symbols (hierarchical and flat) and workspace symbols (fuzzy, ranked, capped, across
roots) through the protocol."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, push_caps, write


def flat_caps():
    c = push_caps()
    c.text_document.document_symbol = types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=False)
    return c


def contains(outer: types.Range, inner: types.Range) -> bool:
    a = (outer.start.line, outer.start.character) <= (inner.start.line, inner.start.character)
    b = (inner.end.line, inner.end.character) <= (outer.end.line, outer.end.character)
    return a and b


async def doc_symbols(h, rel):
    return await h.request(h.client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=h.doc(rel))))


async def ws_symbols(h, query):
    return await h.request(h.client.workspace_symbol_async(types.WorkspaceSymbolParams(query=query)))


async def test_hierarchical_outline_in_vscode_and_neovim(shop):
    for c in (push_caps(), caps("neovim")):
        async with lsp(shop, c) as h:
            got = await doc_symbols(h, "shoes/shoes.dbmt")
            assert [(s.name, s.kind) for s in got] == [
                ("GrProducts", types.SymbolKind.Namespace), ("Shoes", types.SymbolKind.Class),
                ("ShoeEvents", types.SymbolKind.Class), ("RelShoeSupportsExt", types.SymbolKind.Class)]
            shoes = got[1]
            assert [(c.name, c.kind, c.detail) for c in shoes.children] == [
                ("id", types.SymbolKind.Field, "key_t [pk]"), ("shoe_size_cm", types.SymbolKind.Field, "u32 [not null]"),
                ("name", types.SymbolKind.Field, "varchar")]
            assert got[2].detail == "events table of Shoes (%events_clone)"
            assert got[3].detail == "%relation %extension AccessoryExtType %extension_validate write read"
            assert got[3].children[1].detail == "key_t [ref: > Shoes.id]"
            for s in got:
                assert contains(s.range, s.selection_range)
                for ch in s.children or ():
                    assert contains(s.range, ch.range) and contains(ch.range, ch.selection_range)
            text = h.path("shoes/shoes.dbmt").read_text()
            assert shoes.selection_range.start == h.pos("shoes/shoes.dbmt", "Shoes {", text=text)
            enum = (await doc_symbols(h, "accessories/accessories.dbmt"))[0]
            assert (enum.name, enum.kind) == ("AccessoryExtType", types.SymbolKind.Enum)
            assert [(v.name, v.kind, v.detail) for v in enum.children][0] == (
                "SkeeingExt", types.SymbolKind.EnumMember, "skiing accessory attributes")


async def test_flat_symbols_for_clients_without_hierarchy(shop):
    async with lsp(shop, flat_caps()) as h:
        got = await doc_symbols(h, "social/posting.dbmt")
        assert all(isinstance(s, types.SymbolInformation) for s in got)
        names = [(s.name, s.container_name) for s in got]
        assert names[:4] == [("Users", None), ("id", "Users"), ("handle", "Users"), ("created", "Users")]
        assert ("GrRelPosts", None) in names and ("post_id", "RelRobotPosts") in names
        assert all(s.location.uri == h.uri("social/posting.dbmt") for s in got)


async def test_refs_notes_project_partials_emoji_and_broken_files(tmp_path):
    text = ("Project p { database_type: 'PostgreSQL' }\n"
            "Table \"😀 a\" { // 😀\n  id int [pk]\n}\nTablePartial stamps {\n  at timestamp\n}\n"
            "Ref fk: b.a_id > \"😀 a\".id\nRef: b.x > \"😀 a\".id\nNote intro {\n  'hello'\n}\n"
            "Table b {\n  a_id int [pk\n  x int\n  oops ((\n}\nTable c {\n  z int\n}\n")
    write(tmp_path, {"a.dbmt": text})
    async with lsp(tmp_path) as h:
        got = await doc_symbols(h, "a.dbmt")
        assert [(s.name, s.kind) for s in got] == [
            ("p", types.SymbolKind.Module), ("😀 a", types.SymbolKind.Class), ("stamps", types.SymbolKind.Struct),
            ("fk", types.SymbolKind.Operator), ('b.x > "😀 a".id', types.SymbolKind.Operator),
            ("intro", types.SymbolKind.String), ("b", types.SymbolKind.Class), ("c", types.SymbolKind.Class)]
        assert got[3].detail == 'b.a_id > "😀 a".id'
        # The broken table keeps the columns it could read; the next table is intact.
        assert [c.name for c in got[6].children][:1] == ["a_id"]
        assert [c.name for c in got[7].children] == ["z"]
        # UTF-16: the quoted name after `Table ` starts at 6 and is 5 units long ("😀 a" + quotes).
        assert got[1].selection_range == types.Range(start=types.Position(line=1, character=6),
                                                     end=types.Position(line=1, character=12))


async def test_workspace_symbols_are_fuzzy_ranked_and_cross_files(shop):
    async with lsp(shop) as h:
        got = await ws_symbols(h, "rsse")
        assert [s.name for s in got][:2] == ["RelShoeSupportsExt", "RelGloveSupportsExt"]
        got = await ws_symbols(h, "shoe")
        names = [s.name for s in got]
        assert names[0] == "Shoes" and names.index("ShoeEvents") < names.index("RelShoeSupportsExt")
        assert "shoe_size_cm" in names and names.index("shoe_size_cm") > names.index("ShoeEvents")
        s = got[0]
        assert s.kind == types.SymbolKind.Class and s.location.uri == h.uri("shoes/shoes.dbmt")
        assert s.location.range.start == h.pos("shoes/shoes.dbmt", "Shoes {")
        # A column by its table: `table.column`.
        got = await ws_symbols(h, "users.handle")
        assert [(s.name, s.container_name) for s in got] == [("handle", "Users")]
        got = await ws_symbols(h, "ledext")
        assert [(s.name, s.kind) for s in got][:2] == [("LedExt", types.SymbolKind.Class), ("LedExt", types.SymbolKind.EnumMember)]
        assert await ws_symbols(h, "zzzz") == []


async def test_workspace_symbols_span_every_root_and_are_capped(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    write(a, {"dbmt.toml": "", "x.dbmt": "".join(f"Table t{i} {{\n  id int [pk]\n}}\n" for i in range(150))})
    write(b, {"dbmt.toml": "", "y.dbmt": "".join(f"Table t{i}_b {{\n  id int [pk]\n}}\n" for i in range(150))})
    async with lsp(tmp_path, folders=[a, b]) as h:
        got = await ws_symbols(h, "t1")
        uris = {s.location.uri for s in got}
        assert uris == {h.uri("a/x.dbmt"), h.uri("b/y.dbmt")}
        assert got[0].name == "t1"
        got = await ws_symbols(h, "t")
        assert len(got) == 200
        got = await ws_symbols(h, "")
        assert len(got) == 200


def test_fuzzy_score_orders_exact_prefix_substring_subsequence():
    from dbmt.lsp.features.symbols import score
    q = "shoe"
    ranked = sorted(["RelShoeSupportsExt", "Shoes", "shoe", "xshxoxe", "ShoeMCU", "galoshoes"], key=lambda n: -score(q, n))
    assert ranked == ["shoe", "Shoes", "ShoeMCU", "RelShoeSupportsExt", "galoshoes", "xshxoxe"]
    assert score("rsse", "RelShoeSupportsExt") > score("rsse", "rasselbande_extra") > 0
    assert score("zz", "Shoes") == 0
    # A hop to a word start that would leave later letters unmatched falls back to plain order.
    assert score("ab", "aXbAb") > 0 and score("aba", "aXbA") > 0
