"""Completion through the protocol, against the real server: every place the language brief
names (marks, mark arguments, column types, ref endpoints schema → table → column, group
members, settings and their values, partials, `use` lines), auto-import with its `use` edit,
nothing in comments and strings, broken lines, UTF-16 columns after an emoji, and the VS Code
and Neovim capability sets (snippets or plain text)."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, push_caps, write

VSCODE = push_caps("visual_studio_code")
NVIM_PLAIN = caps("neovim@v0.10.0")      # no snippet support
NVIM_PLAIN.text_document.diagnostic = None
NVIM = caps("neovim@v0.11.0")            # snippets, utf-8 offered first
NVIM.text_document.diagnostic = None
# A client that takes additional edits only in the item itself (no lazy resolve of them).
EAGER = push_caps("visual_studio_code")
EAGER.text_document.completion.completion_item.resolve_support = None


async def complete(h, rel: str, text: str, marker: str = "|", *, context=None):
    """Put `text` (with `|` where the cursor is) in the document and ask for completion there."""
    at = text.index(marker)
    body = text.replace(marker, "", 1)
    if h.uri(rel) in h.versions:
        h.replace_all(rel, body)
    else:
        h.open(rel, body)
    pos = _pos(body, at)
    got = await h.request(h.client.text_document_completion_async(types.CompletionParams(
        text_document=h.doc(rel), position=pos, context=context)))
    return got, body, pos


def _pos(text: str, off: int) -> types.Position:
    line = text.count("\n", 0, off)
    col = text[text.rfind("\n", 0, off) + 1:off]
    return types.Position(line=line, character=len(col.encode("utf-16-le")) // 2)


def labels(got) -> list[str]:
    items = got.items if isinstance(got, types.CompletionList) else (got or [])
    return [i.label for i in items]


def item(got, label: str) -> types.CompletionItem:
    for i in got.items:
        if i.label == label:
            return i
    raise AssertionError(f"no item {label!r} in {labels(got)}")


def apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply non-overlapping edits (UTF-16 positions) to a text."""
    def off(p: types.Position) -> int:
        lines = text.split("\n")
        base = sum(len(ln) + 1 for ln in lines[:p.line])
        units, i, line = 0, 0, lines[p.line] if p.line < len(lines) else ""
        while i < len(line) and units < p.character:
            units += 2 if ord(line[i]) > 0xFFFF else 1
            i += 1
        return base + i
    spans = sorted(((off(e.range.start), off(e.range.end), e.new_text) for e in edits), reverse=True)
    for a, b, t in spans:
        text = text[:a] + t + text[b:]
    return text


def edit_of(i: types.CompletionItem) -> types.TextEdit:
    te = i.text_edit
    if isinstance(te, types.InsertReplaceEdit):
        return types.TextEdit(range=te.insert, new_text=te.new_text)
    return te


SHOES = "shoes/shoes.dbmt"


def shoes_with(shop, extra: str, where: str = "  name varchar [note: 'display name']\n") -> str:
    text = (shop / SHOES).read_text()
    return text.replace(where, where + extra, 1)


# -- marks ------------------------------------------------------------------------------------

async def test_block_marks_after_percent_with_docs_and_snippets(shop):
    async with lsp(shop, VSCODE) as h:
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "", "Table Shoes {\n").replace(
            "Table Shoes {\n", "Table Shoes {\n  %|\n"))
        names = labels(got)
        # Table marks only; %events_clone is there already, so it is not offered again.
        assert "%relation" in names and "%extension_enum" in names and "%events_for" in names
        assert "%events_clone" not in names and "%access" not in names and "%relation_source" not in names
        ee = item(got, "%extension_enum")
        assert ee.insert_text_format == types.InsertTextFormat.Snippet
        assert ee.text_edit.new_text == "%extension_enum ${1:Enum}.${2:Variant}"
        assert isinstance(ee.documentation, types.MarkupContent) and ee.documentation.kind == "markdown"
        assert "extension table" in ee.documentation.value and "language.md#marks" in ee.documentation.value


async def test_marks_are_plain_text_for_a_client_without_snippets(shop):
    async with lsp(shop, NVIM_PLAIN) as h:
        got, body, pos = await complete(h, SHOES, (shop / SHOES).read_text().replace(
            "  %access public\n", "  %access public\n  %re|\n"))
        # Group marks in a group body (%access is given already): none of the table marks.
        assert labels(got) == ["%require_columns"]
        i = item(got, "%require_columns")
        assert i.insert_text_format in (None, types.InsertTextFormat.PlainText)
        te = edit_of(i)
        assert te.new_text == "%require_columns"
        # The word typed so far, its `%` included, is what the edit replaces.
        assert te.range.start == types.Position(line=pos.line, character=pos.character - 3)
        assert i.documentation.kind == "markdown" and "same type" in i.documentation.value


async def test_column_mark_only_in_a_relation_table_and_only_once(shop):
    async with lsp(shop, VSCODE) as h:
        # RelShoeSupportsExt already has a %relation_source column: no second one.
        text = (shop / SHOES).read_text().replace(
            "  from_shoe_id key_t [ref: > Shoes.id] %relation_source\n",
            "  from_shoe_id key_t [ref: > Shoes.id] %relation_source\n  to_x key_t [ref: > Gloves.id] %|\n")
        got, _, _ = await complete(h, SHOES, text)
        assert labels(got) == []
        # Moved to the new column, it is offered there (at the column end, after a space too).
        text2 = text.replace("[ref: > Shoes.id] %relation_source", "[ref: > Shoes.id]").replace("%|", "|")
        got, _, _ = await complete(h, SHOES, text2)
        assert labels(got) == ["%relation_source"]
        # Not in a table without %relation.
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  x u32 %|\n"))
        assert labels(got) == []


async def test_mark_arguments(shop):
    async with lsp(shop, VSCODE) as h:
        shoes = (shop / SHOES).read_text()
        got, _, _ = await complete(h, SHOES, shoes.replace("%access public", "%access |"))
        assert labels(got) == ["public", "internal", "confidential", "restricted"]
        got, _, _ = await complete(h, SHOES, shoes.replace("%extension_validate write read", "%extension_validate write |"))
        assert labels(got) == ["init", "read"]
        got, _, _ = await complete(h, SHOES, shoes.replace("%extension AccessoryExtType", "%extension Acc|"))
        assert labels(got) == ["AccessoryExtType"]
        got, _, _ = await complete(h, SHOES, shoes.replace("  %require_columns id", "  %require_columns id |"))
        assert set(labels(got)) == {"shoe_size_cm", "name", "size"}  # Shoes' and Gloves' columns, not id again
        got, _, _ = await complete(h, SHOES, shoes.replace("Table Shoes {\n  %events_clone", "Table Shoes {\n  %events_clone |"))
        assert labels(got) == ["ShoeEvents"]
        acc = "accessories/accessories.dbmt"
        atext = (shop / acc).read_text()
        got, _, _ = await complete(h, acc, atext.replace("%extension_requires LedExt RunningExt",
                                                          "%extension_requires LedExt RunningExt\n  %extensions_incompatible LedExt |"))
        assert labels(got) == ["SkeeingExt", "RunningExt", "ALL_EXTS"]
        # Enum.Variant: the unclaimed variant of the extension enum, then after `Enum.` its variants.
        moved = atext.replace("  %extension_enum AccessoryExtType.LedExt\n", "  %extension_enum |\n")
        got, _, _ = await complete(h, acc, moved)
        assert labels(got)[:2] == ["AccessoryExtType.LedExt", "AccessoryExtType"]
        got, _, _ = await complete(h, acc, moved.replace("%extension_enum |", "%extension_enum AccessoryExtType.|"))
        assert labels(got) == ["LedExt", "SkeeingExt", "RunningExt"]
        assert "claimed by SkeeingExt" in item(got, "SkeeingExt").detail
        dev = "devices/shoe_mcu.dbmt"
        got, _, _ = await complete(h, dev, (shop / dev).read_text().replace("%events_for HeatSystem", "%events_for |"))
        assert labels(got)[0] == "HeatSystem"  # its events table is this table's name


# -- columns ----------------------------------------------------------------------------------

async def test_column_types_builtins_enums_and_workspace_types(shop):
    async with lsp(shop, VSCODE) as h:
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  colour |\n"))
        names = labels(got)
        assert names[0] == "key_t"  # the type the workspace uses most
        assert {"u32", "varchar", "AccessoryExtType", "int", "boolean", "timestamp"} <= set(names)
        assert item(got, "AccessoryExtType").kind == types.CompletionItemKind.Enum
        assert item(got, "varchar").text_edit.new_text == "varchar(${1:255})"
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  colour Acc|\n"))
        assert labels(got) == ["AccessoryExtType"]


async def test_ref_endpoint_schema_table_column(tmp_path):
    write(tmp_path, {
        "core.dbmt": "Table core.users {\n  id int [pk]\n  email varchar\n}\nTable core.orgs {\n  id int [pk]\n}\n",
        "app.dbmt": "Table posts {\n  id int [pk]\n  author int\n}\n",
    })
    async with lsp(tmp_path, VSCODE) as h:
        base = (tmp_path / "app.dbmt").read_text()
        got, _, _ = await complete(h, "app.dbmt", base.replace("  author int\n", "  author int [ref: > |]\n"))
        assert {"core.users", "core.orgs", "posts"} <= set(labels(got))
        got, _, _ = await complete(h, "app.dbmt", base.replace("  author int\n", "  author int [ref: > core.|]\n"))
        assert sorted(labels(got)) == ["orgs", "users"]
        got, _, _ = await complete(h, "app.dbmt", base.replace("  author int\n", "  author int [ref: > core.users.|]\n"))
        assert labels(got) == ["id", "email"]
        assert item(got, "id").detail.startswith("int pk")
        # A top-level Ref, both sides, and a composite endpoint.
        got, _, _ = await complete(h, "app.dbmt", base + "Ref: posts.author > core.users.|\n")
        assert labels(got) == ["id", "email"]
        got, _, _ = await complete(h, "app.dbmt", base + "Ref: posts.|\n")
        assert labels(got) == ["id", "author"]
        got, _, _ = await complete(h, "app.dbmt", base + "Ref {\n  posts.(id, |) > core.users.(id, email)\n}\n")
        assert labels(got) == ["author"]


async def test_generated_columns_are_offered_after_the_dot(shop):
    async with lsp(shop, VSCODE) as h:
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  x key_t [ref: > RelShoeSupportsExt.|]\n"))
        names = labels(got)
        assert {"id", "from_shoe_id", "opt_to_skeeing_ext_id", "opt_to_running_ext_id", "opt_to_led_ext_id", "ext"} <= set(names)
        assert "from %extension" in item(got, "opt_to_led_ext_id").detail


async def test_group_members_partials_and_index_columns(tmp_path):
    write(tmp_path, {"a.dbmt": (
        "TablePartial stamps {\n  created timestamp\n}\nTablePartial owned {\n  owner int\n}\n"
        "Table users {\n  id int [pk]\n  name varchar\n  ~stamps\n}\nTable orgs {\n  id int [pk]\n}\n"
        "TableGroup G {\n  users\n}\n")})
    async with lsp(tmp_path, VSCODE) as h:
        base = (tmp_path / "a.dbmt").read_text()
        got, _, _ = await complete(h, "a.dbmt", base.replace("  users\n}", "  users\n  |\n}"))
        assert "orgs" in labels(got) and "users" not in labels(got)
        got, _, _ = await complete(h, "a.dbmt", base.replace("  ~stamps\n", "  ~stamps\n  ~|\n"))
        assert labels(got) == ["owned"]
        got, _, _ = await complete(h, "a.dbmt", base.replace("  ~stamps\n", "  ~stamps\n  indexes {\n    (name, |)\n  }\n"))
        assert labels(got) == ["id", "created"]  # injected columns too


async def test_settings_names_and_values(shop):
    async with lsp(shop, VSCODE) as h:
        got, body, pos = await complete(h, SHOES, shoes_with(shop, "  x u32 [not null, |]\n"))
        names = labels(got)
        assert "not null" not in names and "null" not in names  # given, and its opposite
        assert {"pk", "unique", "default", "note", "ref", "increment", "check"} <= set(names)
        assert item(got, "note").text_edit.new_text == "note: '$0'"
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  x u32 [pk, not nu|]\n"))
        nn = item(got, "not null")
        assert "primary key" not in labels(got)
        assert edit_of(nn).range.start.character == len("  x u32 [pk, ")
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  x u32 [ref: |]\n"))
        assert labels(got) == [">", "<", "-", "<>"]
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  x AccessoryExtType [default: |]\n"))
        assert labels(got)[:3] == ["SkeeingExt", "RunningExt", "LedExt"] and "AccessoryExtType.LedExt" in labels(got)
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  x bool [default: |]\n"))
        assert labels(got) == ["true", "false", "null"]
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "", "Table Shoes {\n").replace("Table Shoes {", "Table Shoes [|] {"))
        assert set(labels(got)) == {"headercolor", "note"}
        got, _, _ = await complete(h, SHOES, (shop / SHOES).read_text() + "\nRef: Shoes.id < Gloves.id [delete: |]\n")
        assert labels(got) == ["cascade", "no action", "set null", "set default", "restrict"]


async def test_use_lines(shop):
    async with lsp(shop, VSCODE) as h:
        shoes = (shop / SHOES).read_text()
        got, _, _ = await complete(h, SHOES, shoes.replace("use { table Gloves }", "use { table Gloves, table | }"))
        assert set(labels(got)) == {"RelGloveSupportsExt"}  # Gloves is listed already
        got, _, _ = await complete(h, SHOES, shoes.replace("use { table Gloves }", "use { table Gloves, | }"))
        assert labels(got)[:2] == ["table", "enum"]
        got, _, _ = await complete(h, SHOES, shoes + "use { table Users } from |\n")
        assert "'../social/posting'" in labels(got)


async def test_top_level_keywords(shop):
    async with lsp(shop, VSCODE) as h:
        got, _, _ = await complete(h, SHOES, (shop / SHOES).read_text() + "\nTa|")
        assert set(labels(got)) == {"Table", "TableGroup", "TablePartial"}
        assert item(got, "Table").insert_text_format == types.InsertTextFormat.Snippet


# -- auto-import ------------------------------------------------------------------------------

async def test_auto_import_adds_the_use_line_and_clears_dbmt101(shop):
    async with lsp(shop, VSCODE) as h:
        got, body, _ = await complete(h, SHOES, shoes_with(shop, "  buyer key_t [ref: > Us|]\n"))
        users = item(got, "Users")
        assert "auto-import from ../social/posting" in users.detail
        # VS Code resolves additional edits: the list carries none, resolve gives the `use` line.
        assert users.additional_text_edits is None
        users = await h.request(h.client.completion_item_resolve_async(users))
        assert [e.new_text for e in users.additional_text_edits] == ["\nuse { table Users } from '../social/posting'"]
        new = apply(body, [edit_of(users), *users.additional_text_edits])
        assert "[ref: > Users]" in new
        new = new.replace("[ref: > Users]", "[ref: > Users.id]")
        assert new.splitlines()[1] == "use { table Users } from '../social/posting'"
        h.replace_all(SHOES, new)
        await h.wait_diagnostics(SHOES, lambda ds: not any(d.code == "DBMT101" for d in ds))
        # Without the import the same text is DBMT101: the edit is what makes it visible.
        h.replace_all(SHOES, new.replace("use { table Users } from '../social/posting'\n", ""))
        await h.wait_diagnostics(SHOES, lambda ds: any(d.code == "DBMT101" for d in ds))


async def test_auto_import_extends_the_use_line_of_that_file(shop):
    """A client that does not resolve additional edits gets them in the item."""
    async with lsp(shop, EAGER) as h:
        got, body, _ = await complete(h, SHOES, shoes_with(shop, "  ext key_t [ref: > Skee|]\n"))
        sk = item(got, "SkeeingExt")
        assert sk.additional_text_edits is not None
        new = apply(body, [edit_of(sk), *sk.additional_text_edits])
        assert new.splitlines()[0] == "use { enum AccessoryExtType, table SkeeingExt } from '../accessories/accessories'"
        h.replace_all(SHOES, new.replace("[ref: > SkeeingExt]", "[ref: > SkeeingExt.id]"))
        await h.settle()
        await h.wait_diagnostics(SHOES, lambda ds: not any(d.code == "DBMT101" for d in ds))


async def test_no_auto_import_in_a_file_without_use_lines(shop):
    """posting.dbmt has no `use` line: it sees every name, nothing to import."""
    async with lsp(shop, VSCODE) as h:
        rel = "social/posting.dbmt"
        got, _, _ = await complete(h, rel, (shop / rel).read_text().replace(
            "  model varchar\n", "  model varchar\n  s key_t [ref: > Sho|]\n"))
        shoes = item(got, "Shoes")
        assert shoes.additional_text_edits is None and "auto-import" not in shoes.detail


# -- where nothing is offered, and broken text --------------------------------------------------

async def test_nothing_in_comments_and_strings(shop):
    async with lsp(shop, VSCODE) as h:
        for extra in ("  // a comment %rel|\n", "  x u32 [note: 'text %|']\n", "  /* block [ref: > |\n  */\n",
                      "  x u32 [default: `now() + |`]\n", "  x u32 [note: '''multi\n  line %|''']\n"):
            got, _, _ = await complete(h, SHOES, shoes_with(shop, extra))
            assert labels(got) == [], extra


async def test_broken_file_still_completes(shop):
    async with lsp(shop, VSCODE) as h:
        shoes = (shop / SHOES).read_text()
        # The line being typed, in a table whose `{` never closes, at the end of the file.
        got, _, _ = await complete(h, SHOES, shoes + "\nTable Broken {\n  id key_t [pk]\n  shoe key_t [ref: > Shoes.|")
        assert labels(got) == ["id", "shoe_size_cm", "name"]
        # An unclosed `[` in the middle of the file; the next element still parses.
        got, _, _ = await complete(h, SHOES, shoes.replace("  name varchar [note: 'display name']\n",
                                                           "  name varchar [note: 'display name']\n  y u32 [not null, |\n"))
        assert "unique" in labels(got) and "not null" not in labels(got)
        # An unclosed `{` before another element: its body still gets marks.
        got, _, _ = await complete(h, SHOES, shoes.replace("Table Shoes {\n", "Table Open {\n  %rel|\n\nTable Shoes {\n"))
        assert labels(got) == ["%relation"]


async def test_edit_then_complete_reads_the_text_not_yet_checked(shop):
    """Completion does not wait for the edit's re-check: the text just typed decides the place."""
    async with lsp(shop, VSCODE) as h:
        shoes = (shop / SHOES).read_text()
        h.open(SHOES, shoes)
        await h.settle()
        at = shoes.index("  name varchar [note: 'display name']\n") + len("  name varchar [note: 'display name']\n")
        p = _pos(shoes, at)
        h.edit(SHOES, p, p, "  g key_t [ref: > Gloves.")
        got = await h.request(h.client.text_document_completion_async(types.CompletionParams(
            text_document=h.doc(SHOES), position=types.Position(line=p.line, character=len("  g key_t [ref: > Gloves.")))))
        assert labels(got) == ["id", "size"]


# -- positions and clients -------------------------------------------------------------------------

async def test_utf16_range_after_an_emoji(shop):
    async with lsp(shop, VSCODE) as h:
        text = shoes_with(shop, "  mood u32 [note: '😀 🎉', ref: > Gloves.si|]\n")
        got, body, pos = await complete(h, SHOES, text)
        te = edit_of(item(got, "size"))
        line = body.splitlines()[pos.line]
        before = line[:line.index("si]")]
        start = len(before.encode("utf-16-le")) // 2
        assert te.range.start == types.Position(line=pos.line, character=start)
        assert te.range.end == pos
        assert apply(body, [te]).splitlines()[pos.line].endswith("ref: > Gloves.size]")


async def test_neovim_positions_in_the_encoding_it_chose(shop):
    """Neovim 0.11 offers utf-8 first; the server answers in the encoding it chose."""
    async with lsp(shop, NVIM) as h:
        enc = h.init_result.capabilities.position_encoding
        text = shoes_with(shop, "  mood u32 [note: 'é😀', ref: > Gloves.si|ze]\n")
        at = text.index("|")
        body = text.replace("|", "")
        h.open(SHOES, body)
        line_start = body.rfind("\n", 0, at) + 1
        seg = body[line_start:at]
        unit = {"utf-8": len(seg.encode("utf-8")), "utf-32": len(seg)}.get(enc, len(seg.encode("utf-16-le")) // 2)
        pos = types.Position(line=body.count("\n", 0, at), character=unit)
        got = await h.request(h.client.text_document_completion_async(types.CompletionParams(
            text_document=h.doc(SHOES), position=pos)))
        te = edit_of(item(got, "size"))
        seg_start = seg[:-2]
        want = {"utf-8": len(seg_start.encode("utf-8")), "utf-32": len(seg_start)}.get(enc, len(seg_start.encode("utf-16-le")) // 2)
        assert te.range.start.character == want and te.range.end == pos


async def test_resolve_documents_a_table(shop):
    async with lsp(shop, VSCODE) as h:
        got, _, _ = await complete(h, SHOES, shoes_with(shop, "  g key_t [ref: > Glo|]\n"))
        g = item(got, "Gloves")
        assert g.documentation is None and g.data is not None
        r = await h.request(h.client.completion_item_resolve_async(g))
        assert r.documentation.kind == "markdown"
        assert "Table Gloves" in r.documentation.value and "size varchar(4)" in r.documentation.value


async def test_capabilities_announce_completion(shop):
    async with lsp(shop, VSCODE) as h:
        cp = h.init_result.capabilities.completion_provider
        assert cp is not None and cp.resolve_provider
        assert {"%", ".", "[", ":", " ", "~"} <= set(cp.trigger_characters)


async def test_inside_a_word_vscode_gets_insert_and_replace_ranges(shop):
    async with lsp(shop, VSCODE) as h:
        got, body, pos = await complete(h, SHOES, shoes_with(shop, "  g key_t [ref: > Gloves.si|ze]\n"))
        te = item(got, "size").text_edit
        assert isinstance(te, types.InsertReplaceEdit)
        start = types.Position(line=pos.line, character=pos.character - 2)
        assert te.insert == types.Range(start=start, end=pos)
        assert te.replace == types.Range(start=start, end=types.Position(line=pos.line, character=pos.character + 2))
