"""The engine path the language server sits on: update one file, re-check what depends on it."""

from pathlib import Path

import pytest

from dbmt.workspace import Workspace
from dbmt.workspace.config import Config


def make(tmp_path: Path, files: dict[str, str]) -> Workspace:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return Workspace.open(tmp_path, config=Config(root=tmp_path))


def codes(ws, rel, tmp_path):
    return [d.code for d in ws.diagnostics_for(str(tmp_path / rel))]


def test_edit_rechecks_dependents_only(tmp_path):
    ws = make(tmp_path, {
        "a.dbmt": "Table users {\n  id int [pk]\n}\n",
        "b.dbmt": "Table posts {\n  user_id int [ref: > users.id]\n}\n",
        "c.dbmt": "Table other {\n  id int [pk]\n}\n",
    })
    assert codes(ws, "b.dbmt", tmp_path) == []
    rechecked = ws.update_file(str(tmp_path / "a.dbmt"), "Table people {\n  id int [pk]\n}\n")
    assert str(tmp_path / "b.dbmt") in rechecked
    assert str(tmp_path / "c.dbmt") not in rechecked
    assert codes(ws, "b.dbmt", tmp_path) == ["DBMT101"]
    ws.update_file(str(tmp_path / "a.dbmt"), "Table users {\n  id int [pk]\n}\n")
    assert codes(ws, "b.dbmt", tmp_path) == []


def test_enum_variant_rename_reaches_other_files(tmp_path):
    ws = make(tmp_path, {
        "enum.dbmt": "Enum E {\n  A\n  B\n}\n",
        "ext.dbmt": "Table TA {\n  %extension_enum E.A\n  id int [pk]\n}\n",
        "unrelated.dbmt": "Table U {\n  id int [pk]\n}\n",
    })
    assert codes(ws, "ext.dbmt", tmp_path) == []
    rechecked = ws.update_file(str(tmp_path / "enum.dbmt"), "Enum E {\n  A2\n  B\n}\n")
    assert str(tmp_path / "ext.dbmt") in rechecked
    assert str(tmp_path / "unrelated.dbmt") not in rechecked
    assert "DBMT104" in codes(ws, "ext.dbmt", tmp_path)


def test_new_file_satisfies_import(tmp_path):
    ws = make(tmp_path, {"a.dbmt": "use * from './b'\nTable a {\n  x int [ref: > b.id]\n}\n"})
    assert sorted(codes(ws, "a.dbmt", tmp_path)) == ["DBMT101", "DBMT111"]
    ws.update_file(str(tmp_path / "b.dbmt"), "Table b {\n  id int [pk]\n}\n")
    assert codes(ws, "a.dbmt", tmp_path) == []
    ws.remove_file(str(tmp_path / "b.dbmt"))
    assert sorted(codes(ws, "a.dbmt", tmp_path)) == ["DBMT101", "DBMT111"]


def test_a_name_added_beside_an_import_rechecks_only_who_could_see_it(tmp_path):
    """A table added to a file re-checks the files that import that name (or everything, `use
    *`); of a file that imports other names from it, only its `use` line (which checks that the
    names it imports exist); and an import of a name that did not exist yet resolves once it does."""
    ws = make(tmp_path, {
        "a.dbmt": "Table users {\n  id int [pk]\n}\n",
        "named.dbmt": "use { table users } from './a'\nTable posts {\n  user_id int [ref: > users.id]\n}\n",
        "early.dbmt": "use { table teams } from './a'\nTable members {\n  team_id int [ref: > teams.id]\n}\n",
        "star.dbmt": "use * from './a'\nTable likes {\n  user_id int [ref: > users.id]\n}\n",
    })
    a, named, early, star = (str(tmp_path / f) for f in ("a.dbmt", "named.dbmt", "early.dbmt", "star.dbmt"))
    checked: list[tuple[str, str]] = []
    real = ws._check_units

    def spy(units):
        units = list(units)
        checked.extend((u.path, u.chunk.elements[0].kind if u.chunk is not None and u.chunk.elements else "")
                       for u in units)
        return real(units)

    ws._check_units = spy

    def kinds(path):
        return sorted(k for p, k in checked if p == path)

    assert codes(ws, "named.dbmt", tmp_path) == [] and codes(ws, "star.dbmt", tmp_path) == []
    assert sorted(codes(ws, "early.dbmt", tmp_path)) == ["DBMT101", "DBMT111"]
    ws.update_file(a, "Table users {\n  id int [pk]\n}\n\nTable audit {\n  id int [pk]\n}\n")
    # (early.dbmt's table looks again too: its "did you mean" may now name the new table.)
    assert kinds(named) == ["use"] and kinds(star) == ["table", "use"] and kinds(early) == ["table", "use"]
    checked.clear()
    ws.update_file(a, "Table users {\n  id int [pk]\n}\n\nTable teams {\n  id int [pk]\n}\n")
    assert kinds(early) == ["table", "use"] and kinds(named) == ["use"]
    assert codes(ws, "early.dbmt", tmp_path) == []
    # The same name defined twice: the importers of that name look again.
    checked.clear()
    last = "Table users {\n  id int [pk]\n}\n\nTable teams {\n  id int [pk]\n}\n\nTable users {\n  id int\n}\n"
    ws.update_file(a, last)
    assert kinds(named) == ["table", "use"] and kinds(early) == ["use"]
    Path(a).write_text(last, encoding="utf-8")
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    for f in (named, early, star):
        assert [(d.code, d.start, d.message) for d in ws.diagnostics_for(f)] == \
            [(d.code, d.start, d.message) for d in fresh.diagnostics_for(f)]


def test_an_alias_two_files_give_resolves_the_same_after_an_edit(tmp_path):
    """Two files give one table alias (`as a`); an edit re-adds the edited file to the index last,
    and the alias must still resolve as a fresh load resolves it (fuzz seed 37: the Records of
    `a` named `users` after the edit and `DcOW` after a fresh load)."""
    a_text = ("use * from ''\n"
              "Table users as a {\n  id int\n}\n"
              "Table DcOW as a {\n  user_id int\n}\n"
              "Records a(x1) {\n  1\n}\n")
    ws = make(tmp_path, {"a.dbmt": a_text, "b.dbmt": "Table users as a {\n  id int\n}\n"})
    edited = "us{" + a_text[2:]  # the use line broken: a.dbmt now sees every file
    ws.update_file(str(tmp_path / "a.dbmt"), edited)
    (tmp_path / "a.dbmt").write_text(edited, encoding="utf-8")
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    for f in ("a.dbmt", "b.dbmt"):
        got = [(d.code, d.start, d.message) for d in ws.diagnostics_for(str(tmp_path / f))]
        want = [(d.code, d.start, d.message) for d in fresh.diagnostics_for(str(tmp_path / f))]
        assert got == want, f
    assert any("has no column 'x1'" in d.message for d in fresh.diagnostics_for(str(tmp_path / "a.dbmt")))


def test_incremental_equals_fresh(tmp_path):
    """After a sequence of edits, the diagnostics equal those of a fresh load of the same texts."""
    files = {
        "a.dbmt": "Table users {\n  id int [pk]\n}\nEnum E {\n  A\n}\n",
        "b.dbmt": "Table posts {\n  user_id int [ref: > users.id]\n}\nTable TA {\n  %extension_enum E.A\n  id int [pk]\n}\n",
    }
    ws = make(tmp_path, files)
    edits = [
        ("a.dbmt", "Table users {\n  id int [pk]\n}\n"),
        ("b.dbmt", "Table posts {\n  user_id int [ref: > users.idx]\n}\n"),
        ("a.dbmt", "Table users {\n  idx int [pk]\n}\nEnum E {\n  A\n  B\n}\n"),
        ("b.dbmt", "Table posts {\n  user_id int [ref: > users.idx\n}\nTable TA {\n  %extension_enum E.B\n  id int [pk]\n}\n"),
    ]
    for rel, text in edits:
        ws.update_file(str(tmp_path / rel), text)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    def dump(w):
        return {p: [(d.code, d.start, d.end, d.message) for d in ds] for p, ds in w.all_diagnostics().items()}
    assert dump(ws) == dump(fresh)


def test_definition_across_files(tmp_path):
    ws = make(tmp_path, {
        "a.dbmt": "Table users {\n  id int [pk]\n}\n",
        "b.dbmt": "Table posts {\n  user_id int [ref: > users.id]\n}\n",
    })
    text = (tmp_path / "b.dbmt").read_text()
    t = ws.definition_at(str(tmp_path / "b.dbmt"), text.index("users"))
    assert t.path == str(tmp_path / "a.dbmt") and t.kind == "table"
    c = ws.definition_at(str(tmp_path / "b.dbmt"), text.index(".id") + 1)
    assert c.kind == "column" and (tmp_path / "a.dbmt").read_text()[c.start:c.end] == "id"
    names = ws.visible_names(str(tmp_path / "b.dbmt"), text.index("user_id"))
    assert ("table", "users") in names and ("column", "user_id") in names


def _dump(w):
    return {p: sorted((d.code, d.start, d.end, d.message, tuple((r.path, r.start, r.end) for r in d.related)) for d in ds)
            for p, ds in w.all_diagnostics().items()}


SHOP = Path(__file__).resolve().parents[2] / "examples" / "shop"


# Lines whose meaning reaches other files: names, refs, groups, claims, supporters, events,
# imports, duplicates. Inserted anywhere (also into the middle of a block, or where they make
# no sense), they must leave the incremental result equal to a fresh load.
SNIPPETS = [
    "  extra int\n", "\n", "Table Tmp {\n  id key_t [pk]\n}\n", "  %relation\n",
    "  user_id key_t [ref: > Users.id]\n", "Ref: Posts.id > Users.id\n", "  Shoes\n",
    "Ref: Shoes.id - Gloves.id\n", "TableGroup GrX {\n  %require_columns name\n  %access restricted\n  Shoes\n  Users\n}\n",
    "Table Users {\n  id int [pk]\n}\n", "Table Extra2 {\n  %extension_enum AccessoryExtType.LedExt\n  id key_t [pk]\n  freq int\n}\n",
    "  %extension AccessoryExtType\n", "  NewExt\n", "  %events_clone\n", "  %events_for Shoes\n",
    "Table ShoeEvents {\n  %events_for Shoes\n  opt_x key_t [ref: > ThermostatEvents.id]\n}\n",
    "use { table Users } from '../social/posting'\n", "use * from '../shoes/shoes'\n",
    "Enum AccessoryExtType {\n  A\n}\n", "  %extension_requires RunningExt LedExt\n",
    "  %access confidential\n", "  name varchar\n", "  post_id int\n", "}\n", "{\n",
    # Names that go by other names: import aliases, re-exports under an alias, used elsewhere.
    "use { table Users as U } from '../social/posting'\n", "Ref: U.id - Shoes.id\n",
    "reuse { table RelUserPosts as RUP } from '../social/posting'\n", "use { table RUP } from '../shoes/shoes'\n",
    "Ref: RUP.user_id > Shoes.id\n", "reuse { table SkeeingExt as SK } from '../accessories/accessories'\n",
    "use { table SK } from '../shoes/shoes'\n", "Ref: SK.id > Shoes.id\n",
    "TableGroup GrZ {\n  %require_columns zz\n  SK\n  RUP\n}\n",
    "reuse { enum AccessoryExtType as AE2 } from '../accessories/accessories'\n",
    "use { enum AE2 } from '../shoes/shoes'\n", "Table X4 {\n  %extension_enum AE2.SkeeingExt\n  id key_t [pk]\n}\n",
]


def open_shop_copy(tmp_path: Path) -> tuple[Path, Config, Workspace]:
    """A copy of examples/shop under tmp_path, its config, and the workspace loaded from it."""
    import shutil

    from dbmt.workspace.config import find_root, load_config

    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    found = find_root(root)
    config = load_config(found.path, found.config_file)
    return root, config, Workspace.open(root, config=config)


@pytest.mark.parametrize("seed", [7, 11, 15, 18, 22, 23, 31, 39, 47, 57])
def test_random_edits_match_a_fresh_load(tmp_path, seed):
    """Random line edits across the example workspace: after each one, the incremental result
    equals a fresh load of the same texts (positions of related information included)."""
    import random

    root, config, ws = open_shop_copy(tmp_path)
    rnd = random.Random(seed)
    snippets = SNIPPETS
    paths = sorted(ws.files)
    for step in range(60):
        p = rnd.choice(paths)
        lines = ws.text_of(p).splitlines(keepends=True)
        i = rnd.randrange(len(lines) + 1)
        if lines and rnd.random() < 0.4:
            del lines[min(i, len(lines) - 1)]
        else:
            lines.insert(i, rnd.choice(snippets))
        text = "".join(lines)
        ws.update_file(p, text)
        Path(p).write_text(text, encoding="utf-8")
        fresh = Workspace.open(root, config=config)
        assert _dump(ws) == _dump(fresh), f"step {step}: edit of {Path(p).name} line {i}"


@pytest.mark.parametrize("old, new, span", [
    ("abcdef", "abcdef", (6, 6, 6)),
    ("abcdef", "abXdef", (2, 3, 3)),
    ("abcdef", "abcXYdef", (3, 3, 5)),
    ("abcdef", "abef", (2, 4, 2)),
    ("aaaa", "aaaaaa", (4, 4, 6)),      # prefix first, then a suffix that does not overlap it
    ("", "xyz", (0, 0, 3)),
    ("xyz", "", (0, 3, 0)),
    ("😀a😀", "😀b😀", (1, 2, 2)),
])
def test_changed_span(old, new, span):
    from dbmt.syntax import changed_span
    assert changed_span(old, new) == span
    s, oe, ne = span
    assert old[:s] + new[s:ne] + old[oe:] == new


def test_moving_an_element_relocates_other_files_without_rechecking_them(tmp_path):
    """Lines added above a table shift it: its own diagnostics and those of files pointing at
    it keep exact places without being re-checked."""
    ws = make(tmp_path, {
        "a.dbmt": "Table users {\n  id int [pk]\n}\n",
        "b.dbmt": "Table users {\n  id int [pk]\n}\n",
        "c.dbmt": "Table other {\n  id int [pk]\n}\n",
    })
    b = str(tmp_path / "b.dbmt")
    (dup,) = ws.diagnostics_for(b)
    assert dup.code == "DBMT105" and dup.related[0].start == len("Table ")
    text = "// moved down\n\n" + (tmp_path / "a.dbmt").read_text()
    rechecked = ws.update_file(str(tmp_path / "a.dbmt"), text)
    assert rechecked == set()  # a.dbmt's one element was kept by the re-parse, and moved
    (dup,) = ws.diagnostics_for(b)
    assert text[dup.related[0].start:dup.related[0].end] == "users"
    (own,) = ws.diagnostics_for(str(tmp_path / "a.dbmt"))
    assert text[own.start:own.end] == "users"


def test_edit_in_one_element_rechecks_that_element_only(tmp_path):
    """Units: an edit inside one table of a file re-checks that table (and what depends on its
    names), not the file's other elements, whose diagnostics move with the text."""
    ws = make(tmp_path, {"a.dbmt": "Table a {\n  x int [ref: > nope.id]\n}\n\nTable b {\n  y int [ref: > gone.id]\n}\n"})
    a = str(tmp_path / "a.dbmt")
    st = ws.files[a]
    unit_b = [u for u in st.units.values() if "gone" in u.diagnostics[0].message][0]
    diag_b = unit_b.diagnostics[0]
    text = ws.text_of(a).replace("x int", "x int\n  z int")
    ws.update_file(a, text)
    st = ws.files[a]
    assert unit_b in st.units.values() and unit_b.diagnostics[0] is diag_b  # kept, not re-checked
    msgs = {d.message: text[d.start:d.end] for d in ws.diagnostics_for(a)}
    assert msgs == {"unknown table 'nope'": "nope", "unknown table 'gone'": "gone"}


def character_edit(rnd, text: str, pieces: list[str]) -> tuple[str, int]:
    """text with a random stretch of up to 29 characters deleted (2 in 5) or one of `pieces`
    inserted, at a random offset; and that offset."""
    at = rnd.randrange(len(text) + 1)
    if text and rnd.random() < 0.4:
        return text[:at] + text[at + rnd.randrange(1, 30):], at
    return text[:at] + rnd.choice(pieces) + text[at:], at


@pytest.mark.parametrize("seed", [3, 8, 13, 21, 34])
def test_random_character_edits_match_a_fresh_load(tmp_path, seed):
    """Edits anywhere, not at line starts: into names, strings, brackets and comments."""
    import random

    root, config, ws = open_shop_copy(tmp_path)
    rnd = random.Random(seed)
    pieces = SNIPPETS + ["}", "{", "'", "/*", "*/", "`", "[", "]", "(", ")", "\n", " ", "x", "😀", ".", ":", "%"]
    paths = sorted(ws.files)
    for step in range(40):
        p = rnd.choice(paths)
        text, at = character_edit(rnd, ws.text_of(p), pieces)
        ws.update_file(p, text)
        Path(p).write_text(text, encoding="utf-8")
        fresh = Workspace.open(root, config=config)
        assert _dump(ws) == _dump(fresh), f"step {step}: edit of {Path(p).name} at {at}"


def test_a_group_contract_change_in_another_file_reaches_every_member(tmp_path):
    """DBMT402's contract is shared by a group's members (Ctx.shared): each member depends on
    the contract alone, and a member's column type changed in its own file re-checks the others."""
    ws = make(tmp_path, {
        "g.dbmt": "TableGroup g {\n  %require_columns id\n  a\n  b\n  c\n}\n",
        "a.dbmt": "Table a {\n  id int [pk]\n}\n",
        "b.dbmt": "Table b {\n  id int [pk]\n}\n",
        "c.dbmt": "Table c {\n  id bigint [pk]\n}\n",
    })
    assert [codes(ws, f, tmp_path) for f in ("a.dbmt", "b.dbmt", "c.dbmt")] == [[], [], ["DBMT402"]]
    # b moves to bigint: the contract is now bigint (2 against 1), so a is the odd one out.
    (tmp_path / "b.dbmt").write_text("Table b {\n  id bigint [pk]\n}\n", encoding="utf-8")
    rechecked = ws.update_file(str(tmp_path / "b.dbmt"), "Table b {\n  id bigint [pk]\n}\n")
    assert {str(tmp_path / f) for f in ("a.dbmt", "c.dbmt")} <= rechecked
    assert [codes(ws, f, tmp_path) for f in ("a.dbmt", "b.dbmt", "c.dbmt")] == [["DBMT402"], [], []]
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    assert {p: [(d.code, d.message) for d in ds] for p, ds in fresh.all_diagnostics().items()} == \
        {p: [(d.code, d.message) for d in ds] for p, ds in ws.all_diagnostics().items()}


def test_many_same_named_tables_report_each_with_capped_places(tmp_path):
    """k tables of one name in one file: k DBMT105s, each listing at most RELATED_LIMIT places
    and saying how many more (computed once per name, not once per pair)."""
    from dbmt.check.context import RELATED_LIMIT

    ws = make(tmp_path, {"a.dbmt": "".join("Table t {\n  id int\n}\n" for _ in range(50))})
    diags = [d for d in ws.diagnostics_for(str(tmp_path / "a.dbmt")) if d.code == "DBMT105"]
    assert len(diags) == 50
    assert all(len(d.related) == RELATED_LIMIT for d in diags)
    assert all(d.related[-1].message.endswith("(and 29 more places not listed)") for d in diags)
    assert all(d.message == "table 't' is defined more than once (also in this file)" for d in diags)
    assert all(r.start != d.start for d in diags for r in d.related)


def test_a_claim_made_invalid_by_an_extra_argument_reaches_the_enum(tmp_path):
    """Found by the fuzzer: a `{` typed into the comment after `%extension_enum E.A` made the
    comment the mark's arguments; the mark's first argument was unchanged, so the enum's
    completeness check (another element) was not re-checked. The whole mark is signed now."""
    tb = "Table TB {\n  %extension_enum E.B\n  id int [pk]\n}\n"
    ws = make(tmp_path, {"a.dbmt": "Enum E {\n  A\n  B\n}\nTable TA {\n  %extension_enum E.A  // note\n  id int [pk]\n}\n" + tb})
    assert codes(ws, "a.dbmt", tmp_path) == []
    text = "Enum E {\n  A\n  B\n}\nTable TA {\n  %extension_enum E.A  /{/ note\n  id int [pk]\n}\n" + tb
    (tmp_path / "a.dbmt").write_text(text, encoding="utf-8")
    ws.update_file(str(tmp_path / "a.dbmt"), text)
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    assert codes(ws, "a.dbmt", tmp_path) == codes(fresh, "a.dbmt", tmp_path)
    assert "DBMT301" in codes(ws, "a.dbmt", tmp_path)


def test_a_generated_events_column_is_placed_in_its_base_file_and_moves_with_it(tmp_path):
    # ShoeEvents (b.dbmt) gets `id` from its base Shoes (a.dbmt): generated at Shoes'
    # `%events_clone` mark, so "declared here" is that mark, in a.dbmt — and an edit above it in
    # a.dbmt moves the place, as a fresh load puts it (found by the long fuzz run, seed 5).
    base = "Table Shoes {\n  %events_clone\n  id key_t [pk]\n}\n"
    files = {
        "a.dbmt": base,
        "b.dbmt": "Table ShoeEvents {\n  %events_for Shoes\n  previous_id int [ref: > ShoeEvents.id]\n}\n",
    }
    ws = make(tmp_path, files)

    def places(w):
        d = next(d for d in w.diagnostics_for(str(tmp_path / "b.dbmt")) if d.code == "DBMT605")
        return [(Path(r.path).name, r.start, r.end) for r in d.related]

    mark = base.index("%events_clone")
    assert places(ws)[1] == ("a.dbmt", mark, mark + len("%events_clone"))
    edited = "// the shoes team\n" + base
    ws.update_file(str(tmp_path / "a.dbmt"), edited)
    (tmp_path / "a.dbmt").write_text(edited, encoding="utf-8")
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    assert places(ws) == places(fresh)
    assert places(ws)[1][1] == edited.index("%events_clone")
