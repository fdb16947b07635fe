"""Updates that leave their re-check to `check_some` (the language server's way: a slice of
units at a time, requests answered in between, more edits arriving meanwhile): once every unit
is checked, the result is a fresh load's, however the work was sliced."""

import random
from pathlib import Path

import pytest

from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

from test_incremental import SNIPPETS, _dump, character_edit, open_shop_copy


def _settle(ws: Workspace, rnd: random.Random) -> int:
    slices = 0
    while not ws.check_some(rnd.choice([1, 2, 3, 7, 50])):
        slices += 1
    return slices + 1


@pytest.mark.parametrize("seed", [5, 9, 14, 27, 33, 41])
def test_edits_between_slices_end_as_a_fresh_load(tmp_path, seed):
    """Random line and character edits, some removing or re-adding a file; after each, a random
    number of slices of random sizes (often none), so that edits pile up on an unfinished
    check. Whenever the check is finished, the result equals a fresh load of the texts."""
    root, config, ws = open_shop_copy(tmp_path)
    rnd = random.Random(seed)
    paths = sorted(ws.files)
    removed: dict[str, str] = {}
    pieces = SNIPPETS + ["}", "{", "'", "/*", "*/", "[", "]", "\n", "x", "😀", "%"]
    compared = 0
    for step in range(50):
        p = rnd.choice(paths)
        if p in removed and rnd.random() < 0.5:
            text = removed.pop(p)
            Path(p).write_text(text, encoding="utf-8")
            ws.update_file(p, text, defer=True)
        elif p not in removed and rnd.random() < 0.08:
            removed[p] = ws.text_of(p)
            Path(p).unlink()
            ws.remove_file(p, defer=True)
        elif p not in removed:
            text, _at = character_edit(rnd, ws.text_of(p), pieces)
            Path(p).write_text(text, encoding="utf-8")
            ws.update_file(p, text, defer=True)
        for _ in range(rnd.choice([0, 0, 1, 2])):
            if ws.check_some(rnd.choice([1, 2, 5])):
                break
        if rnd.random() < 0.3 or step == 49:
            _settle(ws, rnd)
            assert not ws.unchecked
            fresh = Workspace.open(root, config=config)
            assert _dump(ws) == _dump(fresh), f"step {step}: edit of {Path(p).name}"
            compared += 1
    assert compared >= 5


def test_a_deferred_update_checks_nothing_until_asked_and_then_the_same_units(tmp_path):
    """`defer` leaves the units the update would re-check unchecked (their diagnostics stale);
    check_some checks them oldest first, the same ones a plain update checks."""
    files = {"a.dbmt": "Table t {\n  id int [pk]\n}\n" * 30, "b.dbmt": "Table u {\n  x int [ref: > t.id]\n}\n"}
    for rel, text in files.items():
        (tmp_path / rel).write_text(text, encoding="utf-8")
    plain = Workspace.open(tmp_path, config=Config(root=tmp_path))
    deferred = Workspace.open(tmp_path, config=Config(root=tmp_path))
    a = str(tmp_path / "a.dbmt")
    text = files["a.dbmt"].replace("Table t {", "Table v {", 1)
    touched = plain.update_file(a, text)
    before = _dump(deferred)
    assert deferred.update_file(a, text, defer=True) == touched
    # 30 units of a.dbmt (the name t is defined 30 times, now 29) and b.dbmt's Ref.
    assert len(deferred.unchecked) == 31
    assert _dump(deferred) != _dump(plain)  # not checked yet: stale
    assert deferred.check_some(30) is False and len(deferred.unchecked) == 1
    assert deferred.check_some(30) is True and not deferred.unchecked
    assert _dump(deferred) == _dump(plain) != before


def test_a_plain_update_also_checks_what_an_earlier_deferred_one_left(tmp_path):
    """A unit left unchecked is taken off the list when a later update checks it anyway."""
    (tmp_path / "a.dbmt").write_text("Table t {\n  id int [pk]\n}\nTable w {\n  x int [ref: > t.id]\n}\n", encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path))
    a = str(tmp_path / "a.dbmt")
    ws.update_file(a, ws.text_of(a).replace("Table t", "Table s"), defer=True)
    assert ws.unchecked
    ws.update_file(a, ws.text_of(a).replace("ref: > t.id", "ref: > s.id"))
    assert ws.check_some(1) is True
    (tmp_path / "a.dbmt").write_text(ws.text_of(a), encoding="utf-8")
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    assert _dump(ws) == _dump(fresh) and all(ds == [] for ds in _dump(ws).values())


def test_what_a_slice_worked_out_is_not_kept_past_the_next_update(tmp_path):
    """A check run's memos hold for one state of the workspace: a slice works out which
    definitions of a name clash (kept by name, for the units defining it), an update removes
    one, and the units checked after it must not read what the slice worked out."""
    (tmp_path / "a.dbmt").write_text("Table N {\n  id int [pk]\n}\n" * 3, encoding="utf-8")
    (tmp_path / "b.dbmt").write_text("Table N {\n  id int [pk]\n}\n", encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path))
    a, b = str(tmp_path / "a.dbmt"), str(tmp_path / "b.dbmt")
    ws.update_file(a, "Table N {\n  id int [pk]\n}\n" * 4, defer=True)
    assert ws.check_some(1) is False  # one unit: N's clashing definitions worked out, b's among them
    ws.update_file(b, "Table M {\n  id int [pk]\n}\n", defer=True)
    while not ws.check_some(1):
        pass
    (tmp_path / "a.dbmt").write_text(ws.text_of(a), encoding="utf-8")
    (tmp_path / "b.dbmt").write_text(ws.text_of(b), encoding="utf-8")
    fresh = Workspace.open(tmp_path, config=Config(root=tmp_path))
    assert _dump(ws) == _dump(fresh)
    assert all("b.dbmt" not in d.message for d in ws.diagnostics_for(a))
