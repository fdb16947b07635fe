"""Rename (with prepareRename) and code actions through the protocol; edits are applied to the
texts and the result checked by the engine."""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lsp_harness import lsp, push_caps, write


def apply(text: str, edits) -> str:
    """Apply LSP TextEdits (UTF-16 positions) to a text."""
    lines = text.split("\n")

    def off(p):
        before = sum(len(l) + 1 for l in lines[:p.line])
        line = lines[p.line] if p.line < len(lines) else ""
        units, i = 0, 0
        while i < len(line) and units < p.character:
            units += 2 if ord(line[i]) > 0xFFFF else 1
            i += 1
        return before + i

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        a, b = off(e.range.start), off(e.range.end)
        text = text[:a] + e.new_text + text[b:]
    return text


def apply_workspace_edit(h, we: types.WorkspaceEdit) -> dict[str, str]:
    """Apply to the files on disk (and return the new texts by relative path)."""
    out = {}
    changes = {}
    if we.document_changes:
        for dc in we.document_changes:
            changes.setdefault(dc.text_document.uri, []).extend(dc.edits)
    for u, es in (we.changes or {}).items():
        changes.setdefault(u, []).extend(es)
    base = h.root.resolve().as_uri() + "/"
    for u, es in changes.items():
        rel = u[len(base):]
        p = h.path(rel)
        new = apply(h.texts.get(u) or p.read_text(encoding="utf-8"), es)
        p.write_text(new, encoding="utf-8")
        out[rel] = new
    return out


def check(root):
    from dbmt.workspace import Workspace
    ws = Workspace.open(root, use_cache=False)
    return sorted((d.code, d.path.rsplit("/", 1)[-1]) for ds in ws.all_diagnostics().values() for d in ds)


async def rename(h, rel, needle, delta, new):
    return await h.request(h.client.text_document_rename_async(types.RenameParams(
        text_document=h.doc(rel), position=h.pos(rel, needle, delta), new_name=new)))


async def test_rename_table_across_files_and_its_events_table(shop):
    async with lsp(shop) as h:
        prep = await h.request(h.client.text_document_prepare_rename_async(types.PrepareRenameParams(
            text_document=h.doc("shoes/shoes.dbmt"), position=h.pos("shoes/shoes.dbmt", "Table Shoes", 7))))
        assert prep.placeholder == "Shoes"
        we = await rename(h, "shoes/shoes.dbmt", "Table Shoes", 7, "Boots")
        new = apply_workspace_edit(h, we)
    assert "Table Boots {" in new["shoes/shoes.dbmt"] and "Shoes" not in new["shoes/shoes.dbmt"]
    assert check(shop) == []


async def test_rename_enum_renames_use_lines_and_marks(shop):
    async with lsp(shop) as h:
        we = await rename(h, "accessories/accessories.dbmt", "Enum AccessoryExtType", 6, "GearExt")
        new = apply_workspace_edit(h, we)
    assert set(new) == {"accessories/accessories.dbmt", "gloves/gloves.dbmt", "shoes/shoes.dbmt"}
    assert "use { enum GearExt } from '../accessories/accessories'" in new["shoes/shoes.dbmt"]
    assert "%extension_enum GearExt.LedExt" in new["accessories/accessories.dbmt"]
    assert check(shop) == []


async def test_rename_variant_follows_spelled_out_generated_columns(shop):
    shoes = (shop / "shoes/shoes.dbmt").read_text() + "\nRef: RelShoeSupportsExt.opt_to_led_ext_id - LedExt.id\n"
    (shop / "shoes/shoes.dbmt").write_text(shoes)
    (shop / "shoes/shoes.dbmt").write_text(shoes.replace("use { enum AccessoryExtType }", "use { enum AccessoryExtType, table LedExt }"))
    assert check(shop) == []
    async with lsp(shop) as h:
        we = await rename(h, "accessories/accessories.dbmt", "  LedExt [", 2, "GlowExt")
        new = apply_workspace_edit(h, we)
    assert "opt_to_glow_ext_id" in new["shoes/shoes.dbmt"]
    assert "%extension_requires GlowExt RunningExt" in new["accessories/accessories.dbmt"]
    # The table keeps its name: it claims the renamed variant.
    assert "%extension_enum AccessoryExtType.GlowExt" in new["accessories/accessories.dbmt"]
    assert check(shop) == []


async def test_rename_column_across_refs(tmp_path):
    write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n  email varchar\n  indexes {\n    email\n  }\n}\n",
                     "b.dbmt": "Table posts {\n  id int [pk]\n  by varchar [ref: > users.email]\n  by2 varchar\n}\nRef: posts.by2 > users.email\n"})
    async with lsp(tmp_path) as h:
        we = await rename(h, "b.dbmt", "users.email", 6, "mail")
        new = apply_workspace_edit(h, we)
    assert new["a.dbmt"].count("mail") == 2 and "email" not in new["a.dbmt"]
    assert new["b.dbmt"].count("users.mail") == 2
    assert check(tmp_path) == []


@pytest.mark.parametrize("needle,delta,new,why", [
    ("Table posts", 6, "users", "already exists"),
    ("  by int", 2, "id", "already has a column 'id'"),
    ("U.id", 0, "x", "alias"),
    ("nobody.id", 0, "x", "names nothing"),
    ("postEvents", 0, "X", "generated by %events_clone"),
])
async def test_renames_that_would_collide_or_change_meaning_are_refused(tmp_path, needle, delta, new, why):
    write(tmp_path, {"a.dbmt": "Table users as U {\n  id int [pk]\n}\n",
                     "b.dbmt": "Table posts {\n  %events_clone\n  id int [pk]\n  by int [ref: > U.id]\n  x int [ref: > nobody.id]\n}\n"
                               "Table log {\n  id int [pk]\n  e int [ref: > postEvents.id]\n}\n"})
    async with lsp(tmp_path) as h:
        rel = "b.dbmt"
        with pytest.raises(JsonRpcException) as e:
            await rename(h, rel, needle, delta, new)
        assert why in str(e.value)


async def test_rename_refused_when_a_dangling_name_would_start_resolving(tmp_path):
    write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\nTable posts {\n  id int [pk]\n  u int [ref: > people.id]\n}\n"})
    async with lsp(tmp_path) as h:
        with pytest.raises(JsonRpcException) as e:
            await rename(h, "a.dbmt", "Table users", 6, "people")
        assert "would name 'users'" in str(e.value)


async def actions(h, rel, diag=None, only=None):
    rng = diag.range if diag is not None else types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0))
    return await h.request(h.client.text_document_code_action_async(types.CodeActionParams(
        text_document=h.doc(rel), range=rng,
        context=types.CodeActionContext(diagnostics=[diag] if diag else [], only=only))))


async def test_quick_fix_adds_the_use_line(shop):
    # gloves.dbmt has `use` lines, so it sees only what it imports.
    gloves = (shop / "gloves/gloves.dbmt").read_text() + "\nTable Likes {\n  id key_t [pk]\n  by key_t [ref: > Users.id]\n}\n"
    (shop / "gloves/gloves.dbmt").write_text(gloves)
    async with lsp(shop) as h:
        ds = await h.wait_diagnostics("gloves/gloves.dbmt", lambda ds: any(d.code == "DBMT101" for d in ds))
        d = next(d for d in ds if d.code == "DBMT101")
        got = await actions(h, "gloves/gloves.dbmt", d)
        titles = [a.title for a in got]
        assert titles[0] == "Add `use { table Users } from '../social/posting'`" and got[0].is_preferred
        new = apply_workspace_edit(h, got[0].edit)["gloves/gloves.dbmt"]
    assert new.startswith("use { enum AccessoryExtType } from '../accessories/accessories'\nuse { table Users } from '../social/posting'\n")
    assert check(shop) == []


async def test_quick_fix_creates_the_missing_extension_table(shop):
    acc = (shop / "accessories/accessories.dbmt").read_text().replace("  LedExt [", "  GlowExt\n  LedExt [")
    (shop / "accessories/accessories.dbmt").write_text(acc)
    async with lsp(shop) as h:
        ds = await h.wait_diagnostics("accessories/accessories.dbmt", lambda ds: any(d.code == "DBMT301" for d in ds))
        d = next(d for d in ds if d.code == "DBMT301")
        got = await actions(h, "accessories/accessories.dbmt", d)
        assert got[0].title.startswith("Create extension table 'GlowExt'")
        new = apply_workspace_edit(h, got[0].edit)
    assert "Table GlowExt {\n  %extension_enum AccessoryExtType.GlowExt\n  id key_t [pk]\n}" in new["accessories/accessories.dbmt"]
    assert check(shop) == []


async def test_did_you_mean_and_duplicate_variant_fixes_and_fix_all(tmp_path):
    write(tmp_path, {"a.dbmt": "Enum E {\n  A\n  B\n  %extension_exclusive A B A\n}\nTable A {\n  %extension_enum E.A\n  id int [pk]\n}\n"
                               "Table B {\n  %extension_enum E.B\n  id int [pk]\n  %relashun\n}\n"
                               "Table users {\n  id int [pk]\n}\nTable t {\n  id int [pk]\n  u int [ref: > usrs.id]\n}\n"})
    async with lsp(tmp_path) as h:
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: {"DBMT312", "DBMT106", "DBMT101"} <= {d.code for d in ds})
        by = {d.code: d for d in ds}
        got = await actions(h, "a.dbmt", by["DBMT101"])
        assert got[0].title == "Change table to 'users'"
        got = await actions(h, "a.dbmt", by["DBMT106"])
        assert got[0].title == "Change to '%relation'"
        got = await actions(h, "a.dbmt", by["DBMT312"])
        assert got[0].title == "Remove the repeated 'A' from '%extension_exclusive'"
        fix_all = await actions(h, "a.dbmt", only=["source.fixAll.dbmt"])
        assert [a.kind for a in fix_all] == ["source.fixAll.dbmt"]
        new = apply_workspace_edit(h, fix_all[0].edit)
    assert "%extension_exclusive A B\n" in new["a.dbmt"]
    assert "usrs" in new["a.dbmt"]  # a guess is never applied without asking


async def test_add_required_column_to_a_group_member(tmp_path):
    write(tmp_path, {"a.dbmt": "TableGroup G {\n  %require_columns tenant\n  a\n  b\n}\nTable a {\n  id int [pk]\n  tenant uuid\n}\n"
                               "Table b {\n  id int [pk]\n}\n"})
    async with lsp(tmp_path) as h:
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: any(d.code == "DBMT401" for d in ds))
        got = await actions(h, "a.dbmt", next(d for d in ds if d.code == "DBMT401"))
        assert got[0].title == "Add column 'tenant uuid' required by TableGroup 'G'"
        apply_workspace_edit(h, got[0].edit)
    assert check(tmp_path) == []


async def test_organize_imports(tmp_path):
    write(tmp_path, {"x.dbmt": "Table x1 {\n  id int [pk]\n}\nTable x2 {\n  id int [pk]\n}\n",
                     "y.dbmt": "Table y1 {\n  id int [pk]\n}\n",
                     "app.dbmt": "use { table y1 } from './y'\n// why: x\nuse { table x2 } from './x'\nuse { table x1, table x2 } from './x'\n"
                                 "Table t {\n  id int [pk]\n  a int [ref: > x1.id]\n  b int [ref: > x2.id]\n  c int [ref: > y1.id]\n}\n"})
    async with lsp(tmp_path) as h:
        got = await actions(h, "app.dbmt", only=[types.CodeActionKind.SourceOrganizeImports])
        assert [a.kind for a in got] == ["source.organizeImports"]
        new = apply_workspace_edit(h, got[0].edit)["app.dbmt"]
        assert new.startswith("use { table x2, table x1 } from './x'\nuse { table y1 } from './y'\n// why: x\n")
        assert check(tmp_path) == []
        h.open("app.dbmt", new)
        again = await actions(h, "app.dbmt", only=[types.CodeActionKind.SourceOrganizeImports])
        assert list(again) == []
