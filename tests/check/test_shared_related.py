"""Many diagnostics naming the same places (the k definitions of one name, k relationships with
the same endpoints: DBMT105) share one list of related places, built once, instead of k lists;
what each says is what it said with its own list, and the CLI's report is unchanged."""

from __future__ import annotations

from pathlib import Path

from dbmt.check.context import RELATED_LIMIT
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config


def _open(tmp_path: Path, text: str) -> list:
    (tmp_path / "s.dbmt").write_text(text, encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path), use_cache=False)
    return [d for d in ws.diagnostics_for(str(tmp_path / "s.dbmt")) if d.code == "DBMT105"]


def _expected(starts: list[int], own: int, message: str) -> list[tuple[int, str]]:
    others = [s for s in starts if s != own]
    listed = [(s, message) for s in others[:RELATED_LIMIT]]
    more = len(others) - RELATED_LIMIT
    if more > 0:
        s, m = listed[-1]
        listed[-1] = (s, f"{m} (and {more} more place{'s' if more != 1 else ''} not listed)")
    return listed


def test_duplicate_tables_share_their_related_places(tmp_path):
    k = 60
    text = "".join(f"Table t {{\n  id int [pk]\n}}\n" for _ in range(k))
    diags = sorted(_open(tmp_path, text), key=lambda d: d.start)
    assert len(diags) == k
    starts = [d.start for d in diags]
    for d in diags:
        assert [(r.start, r.message) for r in d.related] == \
            _expected(starts, d.start, "table 't' is also defined here")
    # Those not among the places listed hold one list between them.
    tail = diags[RELATED_LIMIT + 1:]
    assert len({id(d.related) for d in tail}) == 1
    assert len({id(d.related) for d in diags[:RELATED_LIMIT + 1]}) == RELATED_LIMIT + 1


def test_duplicate_relationships_share_their_related_places(tmp_path):
    k = 50
    text = "Table a {\n  id int [pk]\n}\nTable b {\n  a_id int\n}\n" + "Ref: b.a_id > a.id\n" * k
    diags = sorted(_open(tmp_path, text), key=lambda d: d.start)
    assert len(diags) == k
    starts = [d.start for d in diags]
    for d in diags:
        assert [(r.start, r.message) for r in d.related] == \
            _expected(starts, d.start, "relationship b.a_id > a.id is also defined here")
    assert len({id(d.related) for d in diags[RELATED_LIMIT + 1:]}) == 1
