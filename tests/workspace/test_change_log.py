"""Workspace.changed_since: the keys later changes made stale, for consumers that keep answers by
the keys they read (the diagram model), and None once they are not all known."""

from __future__ import annotations

import shutil
from pathlib import Path

from dbmt.workspace import CHANGE_LOG, Workspace

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "shop"


def test_changed_since(tmp_path):
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLE, root)
    ws = Workspace.open(root, use_cache=False)
    g0 = ws.generation
    assert ws.changed_since(g0) == set()
    assert ws.changed_since(g0 - 1) is None  # before the load: not known
    gloves = str((root / "gloves" / "gloves.dbmt").resolve())
    text = ws.text_of(gloves)
    ws.update_file(gloves, text.replace("size varchar(4)", "size varchar(8)"))
    first = ws.changed_since(g0)
    assert "table:public.Gloves" in first and ws.changed_since(ws.generation) == set()
    ws.update_file(gloves, text.replace("Table Gloves {", "Table Mitts {\n  id key_t [pk]\n}\n\nTable Gloves {"))
    both = ws.changed_since(g0)
    assert first <= both and "table:public.Mitts" in both
    assert "table:public.Mitts" in ws.changed_since(g0 + 1) and "table:public.Mitts" not in first
    for i in range(CHANGE_LOG):
        ws.update_file(gloves, text + f"\n// {i}\n")
    assert ws.changed_since(g0) is None  # the log no longer reaches back that far
    assert ws.changed_since(ws.generation - 1) is not None
    ws.check_all()
    assert ws.changed_since(ws.generation - 1) is None  # a whole re-check: read everything again
