"""The diagram in a real VS Code (code-server in Debian's chromium; the session of
tests/editors/vscode_session.py): open examples/shop, open the diagram with the editor-title
button, and judge what its webview drew against the workspace's model (`dbmt-lsp --export json`,
the same engine), an edit that adds a table, a click that opens a table's definition, a drag that
writes dbmt-layout.json, that file rewritten on disk, read again, the toolbar's filters (one
team's file, a table and its neighbours) and VS Code's theme switched from dark to light.
tests/editors/vscode_diagram_ui.mjs drives the UI; screenshots and its JSON land in
tests/editors/artifacts/. Under CI=true every step is required."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.editors.vscode_session import ARTIFACTS, REPO, line_col, prepare, run_ui, serving, step

PROBE = "\n\nTable DiagramProbe {\n  id int [pk]\n  user_id int [ref: > Users.id]\n}\n"


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    t0 = time.monotonic()
    prep = prepare(tmp_path_factory, "vscode-diagram")
    ws = prep.base / "shop"
    shutil.copytree(REPO / "examples" / "shop", ws, ignore=shutil.ignore_patterns(".dbmt-cache", "dbmt-layout.json"))
    dbmt_lsp = Path(sys.executable).parent / "dbmt-lsp"
    r = subprocess.run([str(dbmt_lsp), "--export", "json", str(ws)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    model = json.loads(r.stdout)
    social = "t:social/posting.dbmt#public."
    steps = {
        "open": {"file": "social/posting.dbmt"},
        "add": {"file": "social/posting.dbmt", "text": PROBE, "table": social + "DiagramProbe"},
        "click": {"table": "t:gloves/gloves.dbmt#public.Gloves", "tabName": "gloves.dbmt"},
        "drag": {"table": social + "Users", "layoutFile": str(ws / "dbmt-layout.json")},
        "reload": {"table": social + "Users", "x": 1234, "y": 567},
        "filter": {"file": "gloves/gloves.dbmt", "focus": "t:gloves/gloves.dbmt#public.Gloves"},
        "theme": {"theme": "Light Modern"},
    }
    with serving(prep, ws, "code-server-diagram.log") as url:
        result = run_ui(prep, "vscode_diagram_ui.mjs", {"url": url, "steps": steps})
    prep.timings["total_s"] = round(time.monotonic() - t0, 1)
    result["timings"] = prep.timings
    result["model"] = model
    result["targets"] = {"gloves": line_col((ws / "gloves" / "gloves.dbmt").read_text(encoding="utf-8"), "Gloves {")}
    (ARTIFACTS / "vscode-diagram-result.json").write_text(json.dumps(result, indent=2))
    return result


def test_the_diagram_draws_every_table_and_relationship_of_the_workspace(session):
    got = step(session, "open")
    model = session["model"]
    assert got["button"] is True
    assert sorted(got["tables"]) == sorted(t["id"] for t in model["tables"])
    assert sorted(got["edges"]) == sorted(e["id"] for e in model["edges"])
    assert sorted(got["groups"]) == sorted(g["id"] for g in model["groups"])
    # dbmt's meaning: relation connectors labelled with their relation table, generated columns,
    # access badges.
    labels = sorted({e["label"] for e in model["edges"] if e["kind"] == "relation"})
    assert labels and sorted(set(got["relationLabels"])) == labels
    assert got["generated"] == sum(1 for t in model["tables"] for c in t["columns"] if c["generated"])
    assert "public" in got["badges"]
    assert f"{len(model['tables'])} tables, {len(model['edges'])} relationships" in got["status"]


def test_the_webview_has_a_strict_content_security_policy(session):
    csp = step(session, "open")["csp"]
    assert "default-src 'none'" in csp
    assert re.search(r"script-src 'nonce-[0-9a-f]{36}'(;|$)", csp), csp
    assert "http:" not in csp and "https:" not in csp.replace("https://*.vscode-cdn.net", ""), csp


def test_an_edit_adding_a_table_makes_it_appear(session):
    got = step(session, "add")
    assert got["after"] > got["before"]
    assert "t:social/posting.dbmt#public.DiagramProbe" in got["tables"]
    probe_edges = [e for e in got["edges"] if "DiagramProbe" in e]
    assert len(probe_edges) == 1, got["edges"]
    # The update reached the webview as a patch: the one new table and its one edge, not the
    # whole model again.
    assert got["update"] == "patch 1 1", got["update"]


def test_clicking_a_table_opens_its_definition(session):
    got = step(session, "click")
    assert got["tab"] == "gloves.dbmt"
    line, _ = session["targets"]["gloves"]
    assert got["cursor"].startswith(f"Ln {line},"), got


def test_dragging_a_table_writes_dbmt_layout_json(session):
    got = step(session, "drag")
    text = got["text"]
    data = json.loads(text)
    assert data["version"] == 1
    users = data["tables"]["t:social/posting.dbmt#public.Users"]
    assert isinstance(users["x"], int) and isinstance(users["y"], int)
    # Reviewable: one table per line, keys sorted.
    lines = [ln for ln in text.splitlines() if ln.startswith("    \"t:")]
    assert len(lines) == len(data["tables"])
    assert [ln.split('"')[1] for ln in lines] == sorted(data["tables"])


def test_a_layout_file_changed_on_disk_is_read_again(session):
    got = step(session, "reload")
    assert got["transform"] == "translate(1234,567)"
    # The panel did not write its own positions back over the file's.
    assert json.loads(got["text"])["tables"]["t:social/posting.dbmt#public.Users"] == {"x": 1234, "y": 567}


def _neighbours(model: dict, start: str) -> set[str]:
    """The tables one edge away from `start` (either way; a relation connector reaches its
    relation table too), and `start`: what the Around filter with one hop keeps."""
    keep = {start}
    for e in model["edges"]:
        ends = {e["from"]["table"], e["to"]["table"]} | ({e["via"]} if e["via"] else set())
        if start in ends:
            keep |= ends
    return keep


def test_the_filters_keep_one_file_or_one_table_and_its_neighbours(session):
    got = step(session, "filter")
    model = session["model"]
    gloves = sorted(t["id"] for t in model["tables"] if t["uri"].endswith("/gloves/gloves.dbmt"))
    assert gloves and sorted(got["file"]["tables"]) == gloves
    assert "(filtered)" in got["file"]["status"]
    focus = "t:gloves/gloves.dbmt#public.Gloves"
    keep = _neighbours(model, focus)
    assert len(keep) > 1 and sorted(got["focus"]["tables"]) == sorted(keep)
    assert sorted(got["focus"]["edges"]) == sorted(
        e["id"] for e in model["edges"]
        if e["from"]["table"] in keep and e["to"]["table"] in keep and (e["via"] is None or e["via"] in keep))
    # Cleared: the whole workspace again, with the table the edit added.
    assert sorted(got["all"]["tables"]) == sorted([t["id"] for t in model["tables"]]
                                                  + ["t:social/posting.dbmt#public.DiagramProbe"])
    assert "(filtered)" not in got["all"]["status"]


def _luminance(css: str) -> float:
    r, g, b = (int(x) for x in re.findall(r"\d+", css)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_the_diagram_follows_vscodes_theme_from_dark_to_light(session):
    got = step(session, "theme")
    assert _luminance(got["before"]["background"]) < 0.3, got
    assert _luminance(got["after"]["background"]) > 0.7, got
    # The tables' own colours come from the theme too, not only the page's background.
    assert got["after"]["tableFill"] != got["before"]["tableFill"], got


def test_open_diagram_again_reuses_the_panel(session):
    assert step(session, "command")["panels"] == 1
