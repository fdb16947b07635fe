"""A cold check on two cores gives exactly the serial check: the same diagnostics, the same
dependency keys per unit, the same dependents map and the same shared values' names, so that
later edits re-check the same units."""

from __future__ import annotations

import os
import pickle
import re
from pathlib import Path

import pytest

import dbmt.workspace as workspace
from dbmt.syntax import parallel
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

from claims import split_at

FIXTURES = Path(__file__).parent.parent / "fixtures"

pytestmark = pytest.mark.skipif("fork" not in parallel.multiprocessing.get_all_start_methods(),
                                reason="the parallel check needs fork")


def fixture_workspaces() -> list[Path]:
    return sorted({p.parent for p in FIXTURES.rglob("*.dbm[lt]")})


def units_in_order(ws: Workspace) -> list:
    return [u for st in ws.files.values() for u in st.units.values()]


def node_places(ws: Workspace) -> dict[int, tuple]:
    """id of every syntax node → (path, type, start): a shared value's key holds the id of the
    node it is about, which differs from one load to the next."""
    from dbmt.syntax import nodes

    out: dict[int, tuple] = {}

    def walk(path, x):
        if isinstance(x, nodes.Node):
            out[id(x)] = (path, type(x).__name__, getattr(x, "start", None))
            for cls in type(x).__mro__:
                for s in getattr(cls, "__slots__", ()):
                    walk(path, getattr(x, s, None))
        elif isinstance(x, (list, tuple)):
            for i in x:
                walk(path, i)

    for path, st in ws.files.items():
        walk(path, st.model.parsed.elements)
    return out


def dump(ws: Workspace) -> dict:
    units = units_in_order(ws)
    places = node_places(ws)

    def key(k: str) -> str:
        return re.sub(r"\b\d{9,}\b", lambda m: repr(places[int(m.group())]), k) if k.startswith("shared:") else k

    at = {id(u): i for i, u in enumerate(units)}
    dependents = {}
    for k, cur in ws.dependents.items():
        members = (cur,) if type(cur) is workspace.Unit else cur
        dependents[key(k)] = sorted(at[id(u)] for u in members)
    return {
        "diagnostics": {p: [(d.code, d.severity, d.message, d.start, d.end, d.data,
                             [(r.path, r.start, r.end, r.message) for r in d.related])
                            for d in st.diagnostics] for p, st in ws.files.items()},
        "units": [(u.path, None if u.chunk is None else (u.chunk.start, u.chunk.end), sorted(map(key, u.deps)),
                   sorted(u.points_into)) for u in units],
        "dependents": dependents,
        "forwards": {k: sorted(map(key, v)) for k, v in ws.facts.forwards.items()},
    }


def open_ws(root: Path, monkeypatch, parallel_check: bool) -> Workspace:
    monkeypatch.setattr(workspace, "CHECK_PARALLEL_MIN_CHARS", 0 if parallel_check else 1 << 62)
    return Workspace.open(root, config=Config(root=root))


def split_claims(monkeypatch, share: float = 0.5):
    """The worker claims the first `share` of the units, this process the rest, whichever runs
    first (a split by timing would depend on how busy the machine is)."""
    mid = [1]
    real_share = parallel.share

    def share_at(method, target, args, count, here, rebuild):
        mid[0] = max(1, int(count * share))
        return real_share(method, target, args, count, here, rebuild)

    split_at(monkeypatch, lambda: mid[0])
    monkeypatch.setattr(parallel, "share", share_at)


@pytest.fixture
def delivered(monkeypatch):
    """The units a worker's batches brought back."""
    seen = []

    class Counting:
        HIGHEST_PROTOCOL = pickle.HIGHEST_PROTOCOL
        dumps = staticmethod(pickle.dumps)

        @staticmethod
        def loads(data):
            batch = pickle.loads(data)
            seen.extend(i for i, *_ in batch)
            return batch

    monkeypatch.setattr(workspace, "pickle", Counting)
    return seen


@pytest.fixture(autouse=True)
def forked(monkeypatch):
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")


def test_a_parallel_check_equals_the_serial_check_on_every_fixture_folder(monkeypatch, delivered):
    split_claims(monkeypatch)
    for root in fixture_workspaces():
        serial = dump(open_ws(root, monkeypatch, False))
        assert not delivered
        ws = open_ws(root, monkeypatch, True)
        n = len(units_in_order(ws))
        assert len(delivered) == max(1, n // 2) and len(set(delivered)) == len(delivered), root
        delivered.clear()
        assert dump(ws) == serial, root


def test_all_fixtures_as_one_workspace_on_both_sides(tmp_path, monkeypatch, delivered):
    # Many files with every code's fixtures: names resolved across files, shared group
    # contracts, related places, several batches from the worker.
    for i, p in enumerate(sorted(FIXTURES.rglob("*.dbm[lt]"))):
        (tmp_path / f"{i:03d}_{p.name}").write_text(p.read_bytes().decode("utf-8", "replace"), encoding="utf-8")
    split_claims(monkeypatch, 0.6)
    serial = dump(open_ws(tmp_path, monkeypatch, False))
    ws = open_ws(tmp_path, monkeypatch, True)
    assert len(delivered) > 100
    assert dump(ws) == serial
    assert serial["forwards"], "the fixtures have shared values (group contracts)"


def test_edits_after_a_parallel_check_recheck_what_they_would_after_a_serial_one(monkeypatch, delivered):
    # The worker computed the group contracts: the names they read must reach this process,
    # or a change to a member's column would not re-check the other members.
    root = FIXTURES / "traits"
    split_claims(monkeypatch, 1.0)  # the worker checks every unit
    serial = open_ws(root, monkeypatch, False)
    par = open_ws(root, monkeypatch, True)
    assert delivered and dump(par)["forwards"] == dump(serial)["forwards"]
    path = str(root / "traits.dbmt")
    text = serial.text_of(path)
    before = [d.code for d in serial.diagnostics_for(path)]
    edits = [
        ("  owner_id int\n}\nTable Posts", "  owner_id bigint\n}\nTable Posts"),  # Users: the contract turns
        ("  created_at TIMESTAMP\n", ""),  # Tags loses a required column
        ("Table Logs {", "Table Logs {\n  created_at timestamp"),
    ]
    for old, new in edits:
        assert text.count(old) == 1
        text = text.replace(old, new)
        assert par.update_file(path, text) == serial.update_file(path, text)
        assert dump(par) == dump(serial)
    assert [d.code for d in serial.diagnostics_for(path)] != before


def test_a_worker_that_dies_costs_time_not_results(monkeypatch, delivered):
    root = FIXTURES / "extensions" / "teams_broken"

    def die(conn, ends, in_worker, batch_units):
        for _ in range(3):
            parallel._claim(ends, front=True)  # claimed, never delivered
        os._exit(3)

    serial = dump(open_ws(root, monkeypatch, False))
    monkeypatch.setattr(workspace, "_check_work", die)
    assert dump(open_ws(root, monkeypatch, True)) == serial
    assert not delivered


def test_small_loads_are_checked_in_process(tmp_path, monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a worker was started for a small check")

    monkeypatch.setattr(parallel, "share", boom)
    (tmp_path / "a.dbmt").write_text("Table a {\n  id int\n}\n", encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path))
    assert ws.all_diagnostics() == {str(tmp_path / "a.dbmt"): []}


def test_a_files_diagnostics_are_in_order_after_loads_and_edits(tmp_path):
    """FileState.diagnostics joins its units' lists without sorting when they are in order: the
    joined list equals the sorted one, on every fixture and after edits that move and re-check
    units."""
    from dbmt.diagnostics import Diagnostic

    fixtures = Path(__file__).parent.parent / "fixtures"
    roots = sorted({p.parent for p in fixtures.rglob("*.dbm[lt]")})
    for root in roots:
        ws = Workspace.open(root, config=Config(root=root))
        for st in ws.files.values():
            assert st.diagnostics == sorted(st.diagnostics, key=Diagnostic.sort_key), st.path
    path = tmp_path / "a.dbmt"
    text = "Table a {\n  id int [pk]\n}\nTable a {\n  id int\n}\nRef: a.id > b.x\nTable b {\n  x int\n"
    path.write_text(text, encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path))
    for edit in ("Table z {\n}\n" + text, text.replace("Table a {\n  id int\n}\n", ""), text + "}\n", "\ufeff" + text):
        ws.update_file(str(path), edit)
        st = ws.files[str(path)]
        assert st.diagnostics and st.diagnostics == sorted(st.diagnostics, key=Diagnostic.sort_key)
