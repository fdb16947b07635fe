"""The engine's completion (dbmt.completion) without a client: matching, limits and incomplete
lists, auto-import candidates, and answers for text the workspace has not seen yet."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dbmt.completion import LIMIT, complete, matches
from dbmt.workspace import Workspace

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "shop"


def test_matches():
    assert matches("", "anything") == 0
    assert matches("Us", "users") == 0
    assert matches("us", "core.users") == 1
    assert matches("ext", "AccessoryExtType") == 1
    assert matches("aet", "AccessoryExtType") == 2
    assert matches("%acc", "%access") == 0
    assert matches("ho", "Shoes") is None          # not from the start of a word
    assert matches("xq", "AccessoryExtType") is None
    # A long word typed against a name it does not fit: a linear check, not a backtracking one.
    assert matches("a" * 40 + "b", "a" * 60) is None
    assert matches("a" * 40, "x_" + "a" * 60) == 1


def big(tmp_path: Path, n: int) -> Path:
    """`lib.dbmt` with n tables, `a.dbmt` with a `use` line of one of them."""
    lib = "".join(f"Table item_{i:04d} {{\n  id int [pk]\n}}\n" for i in range(n))
    (tmp_path / "lib.dbmt").write_text(lib)
    (tmp_path / "a.dbmt").write_text("use { table item_0000 } from './lib'\nTable a {\n  id int [pk]\n  r int [ref: > ]\n}\n")
    (tmp_path / "b.dbmt").write_text("Table b {\n  id int [pk]\n  r int [ref: > ]\n}\n")
    (tmp_path / "dbmt.toml").write_text("")
    return tmp_path


def at_ref(ws, rel: str, typed: str = ""):
    path = str(ws.root / rel)
    text = ws.text_of(path)
    off = text.index("[ref: > ") + len("[ref: > ")
    new = text[:off] + typed + text[off:]
    return complete(ws.navigator(), path, off + len(typed), text=new)


def test_a_long_list_is_capped_and_incomplete(tmp_path):
    ws = Workspace.open(big(tmp_path, LIMIT + 50))
    got = at_ref(ws, "b.dbmt")  # sees every table
    assert len(got.items) == LIMIT and got.incomplete
    got = at_ref(ws, "b.dbmt", "item_01")
    # The ten starting so first; then those with the letters in order (`item_0001`: i…_0…1).
    assert [c.label for c in got.items][:10] == [f"item_{i:04d}" for i in range(100, 110)]
    assert not got.incomplete and all(matches("item_01", c.label) is not None for c in got.items)


def test_import_candidates_come_once_a_prefix_is_typed(tmp_path):
    ws = Workspace.open(big(tmp_path, 30))
    got = at_ref(ws, "a.dbmt")
    assert sorted(c.label for c in got.items) == ["a", "item_0000"]
    assert all(c.needs_import is None for c in got.items) and got.incomplete  # more to come with a prefix
    got = at_ref(ws, "a.dbmt", "item_001")
    assert [c.label for c in got.items][:10] == [f"item_{i:04d}" for i in range(10, 20)]
    assert all(c.needs_import is not None for c in got.items)
    e = got.items[0].import_edit
    assert (e.start, e.text) == (len("use { table item_0000"), ", table item_0010")


def test_visible_names_come_before_imports_of_equal_fit(tmp_path):
    ws = Workspace.open(big(tmp_path, 3))
    got = at_ref(ws, "a.dbmt", "item")
    assert [(c.label, c.needs_import is not None) for c in got.items] == [
        ("item_0000", False), ("item_0001", True), ("item_0002", True)]


def test_text_the_workspace_has_not_seen(tmp_path):
    """Completion reads the document as typed; the index may be one edit behind."""
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES, root)
    ws = Workspace.open(root)
    path = str(root / "shoes" / "shoes.dbmt")
    text = ws.text_of(path)
    # A new element at the top moves everything; the place is found in the new text.
    new = "Table Fresh {\n  id key_t [pk]\n}\n\n" + text.replace("  %access public\n", "  %access public\n  %\n")
    off = new.index("  %\n") + 3
    got = complete(ws.navigator(), path, off, text=new)
    assert [c.label for c in got.items] == ["%require_columns"]
    # The same answer once the workspace has the text.
    ws.update_file(path, new)
    assert [c.label for c in complete(ws.navigator(), path, off).items] == ["%require_columns"]


def test_import_edit_follows_the_text_not_yet_seen(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES, root)
    ws = Workspace.open(root)
    path = str(root / "shoes" / "shoes.dbmt")
    text = ws.text_of(path)
    anchor = "  name varchar [note: 'display name']\n"
    typed = anchor + "  u key_t [ref: > Use"
    new = text.replace(anchor, typed)
    off = new.index(typed) + len(typed)
    got = complete(ws.navigator(), path, off, text=new)
    users = next(c for c in got.items if c.label == "Users")
    e = users.import_edit
    applied = new[:e.start] + e.text + new[e.end:]
    assert applied.splitlines()[1] == "use { table Users } from '../social/posting'"
    # An edit of the `use` lines themselves: no import is offered until the index has them.
    new2 = new.replace("use { enum AccessoryExtType }", "use { enum AccessoryExtType, table X }")
    off2 = new2.index(typed) + len(typed)
    got = complete(ws.navigator(), path, off2, text=new2)
    assert "Users" not in [c.label for c in got.items]
    assert os.path.basename(path) == "shoes.dbmt"


def test_completing_a_word_again_offers_it(tmp_path):
    """A name already written under the cursor is not 'given already'."""
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES, root)
    ws = Workspace.open(root)
    path = str(root / "shoes" / "shoes.dbmt")
    text = ws.text_of(path)
    nav = ws.navigator()
    # (text before the cursor, the item that must be there)
    for before, expect in (("  %relation\n  %extension AccessoryExtType\n  %extension_validate", "%extension_validate"),
                           ("  %relation\n  %extension AccessoryExtType", "AccessoryExtType"),
                           ("  Shoes\n  Gloves", "Gloves")):
        off = text.index(before) + len(before)
        labels = [c.label for c in complete(nav, path, off).items]
        assert expect in labels, (before, labels)
