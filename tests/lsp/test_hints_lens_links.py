"""Inlay hints, code lens (counts equal to references / implementation) and document links
through the protocol."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, push_caps, write

WHOLE = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=10_000, character=0))


def locs(ls):
    return sorted((l.uri, l.range.start.line, l.range.start.character, l.range.end.line, l.range.end.character) for l in ls or [])


async def test_inlay_hints_for_generated_columns_and_events_tables(shop):
    for c in (push_caps(), caps("neovim")):
        async with lsp(shop, c) as h:
            rel = "shoes/shoes.dbmt"
            got = await h.request(h.client.text_document_inlay_hint_async(types.InlayHintParams(text_document=h.doc(rel), range=WHOLE)))
            text = h.path(rel).read_text()
            labels = [("".join(p.value for p in x.label), x.position) for x in got]
            enc = h.init_result.capabilities.position_encoding
            assert labels == [
                ("ShoeEvents", h.pos(rel, "%events_clone", len("%events_clone"), text=text)),
                ("→ opt_to_skeeing_ext_id, opt_to_running_ext_id, opt_to_led_ext_id, ext",
                 h.pos(rel, "%extension AccessoryExtType", len("%extension AccessoryExtType"), text=text)),
            ], enc
            ext = got[1]
            parts = [p for p in ext.label if p.value.startswith(("opt_", "ext"))]
            assert parts[0].tooltip == "generated column: opt_to_skeeing_ext_id key_t [null, ref: > SkeeingExt.id]"
            # Each generated column's part points at its variant's extension table; `ext` at the enum.
            acc = h.path("accessories/accessories.dbmt").read_text().splitlines()
            assert parts[0].location.uri == h.uri("accessories/accessories.dbmt")
            assert acc[parts[0].location.range.start.line].startswith("Table SkeeingExt")
            assert acc[parts[3].location.range.start.line].startswith("Enum AccessoryExtType")
            # A range without the marks: no hints.
            none = await h.request(h.client.text_document_inlay_hint_async(types.InlayHintParams(
                text_document=h.doc(rel), range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=2, character=0)))))
            assert list(none) == []


async def test_events_hint_points_at_the_events_for_table(shop):
    async with lsp(shop) as h:
        rel = "devices/shoe_mcu.dbmt"
        got = await h.request(h.client.text_document_inlay_hint_async(types.InlayHintParams(text_document=h.doc(rel), range=WHOLE)))
        labels = ["".join(p.value for p in x.label) for x in got]
        assert labels == ["ShoeMCUEvents", "HeatSystemEvents", "ThermostatEvents", "BluetoothEvents"]
        heat = got[1].label[0]
        assert heat.location is not None and heat.location.uri == h.uri(rel)
        assert h.path(rel).read_text().splitlines()[heat.location.range.start.line] == "Table HeatSystemEvents {"
        assert heat.tooltip == "events table: id, heat_system_id, target_celsius, action, opt_thermostat_event_id"
        assert got[2].label[0].location is None


async def test_code_lens_counts_equal_references_and_implementations(shop):
    for c in (push_caps(), caps("neovim")):
        async with lsp(shop, c) as h:
            checked = 0
            for rel in ("shoes/shoes.dbmt", "accessories/accessories.dbmt", "social/posting.dbmt", "devices/shoe_mcu.dbmt"):
                lenses = await h.request(h.client.text_document_code_lens_async(types.CodeLensParams(text_document=h.doc(rel))))
                assert lenses and all(l.command is None for l in lenses)  # resolved lazily
                for lens in lenses:
                    r = await h.request(h.client.code_lens_resolve_async(lens))
                    cmd = r.command
                    assert cmd.command == "editor.action.showReferences"
                    # (uri, position, locations), as JSON: the client turns them into its own types.
                    uri, pos, raw = cmd.arguments
                    assert uri == h.uri(rel)
                    assert types.Position(line=pos["line"], character=pos["character"]) == lens.range.start
                    got = [types.Location(uri=l["uri"], range=types.Range(
                        start=types.Position(**l["range"]["start"]), end=types.Position(**l["range"]["end"]))) for l in raw]
                    kind = lens.data["kind"]
                    if kind == "references":
                        want = await h.request(h.client.text_document_references_async(types.ReferenceParams(
                            text_document=h.doc(rel), position=lens.range.start, context=types.ReferenceContext(include_declaration=False))))
                        word = "reference"
                    elif kind == "members":
                        want = await h.request(h.client.text_document_implementation_async(types.ImplementationParams(
                            text_document=h.doc(rel), position=lens.range.start)))
                        word = "member"
                    else:
                        impl = await h.request(h.client.text_document_implementation_async(types.ImplementationParams(
                            text_document=h.doc(rel), position=lens.range.start)))
                        want = None
                        assert set(locs(got)) <= set(locs(impl))
                        word = "extension table" if kind == "extensions" else "supporter"
                    if want is not None:
                        assert locs(got) == locs(want), (rel, lens.data)
                    n = len(got)
                    assert cmd.title == f"{n} {word}{'' if n == 1 else 's'}"
                    checked += 1
            assert checked >= 20
            # Extension tables and supporters together are the enum's implementations.
            rel = "accessories/accessories.dbmt"
            lenses = await h.request(h.client.text_document_code_lens_async(types.CodeLensParams(text_document=h.doc(rel))))
            enum_lenses = [l for l in lenses if l.range.start.line == 1]
            titles = [(await h.request(h.client.code_lens_resolve_async(l))).command.title for l in enum_lenses]
            assert titles == ["7 references", "3 extension tables", "2 supporters"]


async def test_lens_of_a_moved_name_is_not_guessed(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n}\nTable u {\n  x int [ref: > t.id]\n}\n"})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt")
        lenses = await h.request(h.client.text_document_code_lens_async(types.CodeLensParams(text_document=h.doc("a.dbmt"))))
        first = next(l for l in lenses if l.data["name"] == "t")
        h.replace_all("a.dbmt", "\n\nTable t {\n  id int [pk]\n}\n")
        r = await h.request(h.client.code_lens_resolve_async(first))
        assert r.command.title == "…"


async def test_document_links_for_use_paths(tmp_path):
    write(tmp_path, {
        "lib/base.dbmt": "Table a {\n  id int [pk]\n}\n",
        "app.dbmt": "use * from './lib/base'  // 😀\nuse { table a } from './lib/base.dbmt'\nuse * from './missing'\n",
    })
    async with lsp(tmp_path) as h:
        got = await h.request(h.client.text_document_document_link_async(types.DocumentLinkParams(text_document=h.doc("app.dbmt"))))
        assert [(l.target, l.tooltip) for l in got] == [(h.uri("lib/base.dbmt"), "Open lib/base.dbmt")] * 2
        text = h.path("app.dbmt").read_text()
        assert got[0].range == types.Range(start=h.pos("app.dbmt", "./lib/base'"), end=h.pos("app.dbmt", "./lib/base'", 10))
    async with lsp(tmp_path, caps("neovim")) as h:  # no tooltip support announced
        got = await h.request(h.client.text_document_document_link_async(types.DocumentLinkParams(text_document=h.doc("app.dbmt"))))
        assert [l.tooltip for l in got] == [None, None]


def at_version(h, rel="social/posting.dbmt"):
    u = h.uri(rel)
    return h.client.diagnostic_versions.get(u) == h.versions[u]


async def test_views_of_other_files_are_refreshed_when_names_change(shop):
    """Code lens counts, inlay hints and tokens of one file show names of others: a client that
    takes workspace/*/refresh is asked to request them again after a name is used elsewhere,
    and not after an edit that changes no name (a comment)."""
    lens, hints, tokens = (types.WORKSPACE_CODE_LENS_REFRESH, types.WORKSPACE_INLAY_HINT_REFRESH,
                           types.WORKSPACE_SEMANTIC_TOKENS_REFRESH)
    c = push_caps()  # as VS Code 1.139 announces them (the captured capabilities predate inlay hints)
    c.workspace.code_lens = types.CodeLensWorkspaceClientCapabilities(refresh_support=True)
    c.workspace.inlay_hint = types.InlayHintWorkspaceClientCapabilities(refresh_support=True)
    c.workspace.semantic_tokens = types.SemanticTokensWorkspaceClientCapabilities(refresh_support=True)
    async with lsp(shop, c) as h:
        h.open("shoes/shoes.dbmt")
        text = h.path("social/posting.dbmt").read_text()
        h.open("social/posting.dbmt", text)
        await h.wait_diagnostics("social/posting.dbmt", lambda ds: ds == [])
        await h.settle()
        assert h.client.refreshes == {}
        h.replace_all("social/posting.dbmt", text + "\n// a comment changes no name\n")
        await h.wait_diagnostics("social/posting.dbmt", lambda ds: ds == [] and at_version(h))
        await h.settle()
        assert h.client.refreshes == {}
        h.replace_all("social/posting.dbmt", text + "\nTable Likes {\n  post_id key_t [ref: > Posts.id]\n}\n")
        await h.wait_diagnostics("social/posting.dbmt", lambda ds: at_version(h))
        await h.settle()
        assert h.client.refreshes == {lens: 1, hints: 1, tokens: 1}

    # A client that does not announce refresh support is not asked.
    c = push_caps()
    c.workspace.code_lens = c.workspace.inlay_hint = c.workspace.semantic_tokens = None
    async with lsp(shop, c) as h:
        h.open("social/posting.dbmt", text)
        await h.wait_diagnostics("social/posting.dbmt", lambda ds: ds == [])
        h.replace_all("social/posting.dbmt", text + "\nTable Likes2 {\n  id key_t\n}\n")
        await h.wait_diagnostics("social/posting.dbmt", lambda ds: at_version(h))
        await h.settle()
        assert h.client.refreshes == {}
