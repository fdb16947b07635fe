"""The diagram in a real VS Code (code-server in Debian's chromium; the session of
tests/editors/vscode_session.py): open examples/shop, open the diagram with the editor-title
button, and judge what its webview drew against the workspace's model (`dbmt-lsp --export json`,
the same engine), an edit that adds a table, a click that opens a table's definition, a drag that
writes dbmt-layout.json, and that file rewritten on disk, read again. tests/editors/vscode_diagram_ui.mjs drives the UI; screenshots and its
JSON land in tests/editors/artifacts/. Under CI=true every step is required."""

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


def test_open_diagram_again_reuses_the_panel(session):
    assert step(session, "command")["panels"] == 1
