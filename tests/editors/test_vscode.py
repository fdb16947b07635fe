"""The VS Code extension end to end, in a real VS Code: code-server (VS Code in the browser, with
a real extension host) driven in Debian's chromium.

pytest does the set-up and the judging; tests/editors/vscode_ui.mjs (playwright-core, under
node) does the UI steps and writes down what the screen shows. Playwright's Python package
would want a browser build of its own; playwright-core from npm drives the system chromium and
runs on the Node 24 that code-server needs anyway, so the steps are a node script.

The session, once per module (tests/editors/vscode_session.py, shared with
test_vscode_diagram.py): scripts/setup-editors.sh installs what is missing; the .vsix is built
with @vscode/vsce and installed into a fresh code-server with `dbmt-lsp` (this checkout's) on
PATH, which opens a copy of examples/shop in which social/posting.dbmt refers to a column that
does not exist. Each test below judges one
step. Screenshots and the JSON land in tests/editors/artifacts/ (git-ignored).

A missing browser or toolchain that this user cannot install skips with one line saying what
to install; with CI=true it fails.
"""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest

from tests.editors.vscode_session import ARTIFACTS, REPO, line_col, prepare, run_ui, serving, step

SEEDED = ("social/posting.dbmt", "[ref: > Users.id]", "[ref: > Users.idd]")
DBML = ("legacy/legacy.dbml", "// A plain DBML file an older tool wrote.\nTable Legacy {\n  id int [pk]\n  level int [default: 'high']\n}\n")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    t0 = time.monotonic()
    prep = prepare(tmp_path_factory, "vscode")
    ws = prep.base / "shop"
    shutil.copytree(REPO / "examples" / "shop", ws, ignore=shutil.ignore_patterns(".dbmt-cache"))
    rel, good, bad = SEEDED
    seeded = (ws / rel).read_text(encoding="utf-8")
    assert good in seeded
    (ws / rel).write_text(seeded.replace(good, bad, 1), encoding="utf-8")
    # A plain DBML file beside them, with a warning (a default that does not fit its type).
    (ws / DBML[0]).parent.mkdir()
    (ws / DBML[0]).write_text(DBML[1], encoding="utf-8")

    posting = (ws / "social" / "posting.dbmt").read_text(encoding="utf-8")
    shoes = (ws / "shoes" / "shoes.dbmt").read_text(encoding="utf-8")
    robots_line = line_col(posting, "  model varchar")
    group_member = line_col(shoes, "  Gloves\n", 2)
    users_ref = line_col(posting, "[ref: > Users", len("[ref: > "))
    mark = line_col(posting, "  %relation\n", 4)
    error_at = line_col((ws / rel).read_text(encoding="utf-8"), "Users.idd", len("Users."))
    steps = {
        # What the status bar reads once the server has indexed the workspace and checked it:
        # the example workspace's five files and legacy.dbml, and the seeded error.
        "workbench": {"status": r"dbmt: 6 files, 1 error\b"},
        "problem": {"file": rel, "code": "DBMT102", "line": error_at[0], "col": error_at[1] + 1,
                    "status": r"\b1 error\b"},
        "fix": {"find": bad, "replace": good},
        "dbml": {"file": DBML[0], "code": "DBMT601"},
        "completion": {"file": "social/posting.dbmt", "line": robots_line[0], "col": robots_line[1]},
        "definition": {"file": "shoes/shoes.dbmt", "line": group_member[0], "col": group_member[1] + 1},
        "hover": {"file": "social/posting.dbmt", "line": users_ref[0], "col": users_ref[1] + 1},
        "tokens": {"file": "social/posting.dbmt", "line": mark[0], "col": mark[1] + 1},
    }
    with serving(prep, ws) as url:
        result = run_ui(prep, "vscode_ui.mjs", {"url": url, "steps": steps})
    prep.timings["total_s"] = round(time.monotonic() - t0, 1)
    result["timings"] = prep.timings
    result["targets"] = {"gloves": line_col((ws / "gloves" / "gloves.dbmt").read_text(), "Gloves {")}
    (ARTIFACTS / "vscode-result.json").write_text(json.dumps(result, indent=2))
    return result


def _step(session, name):
    return step(session, name)


def test_extension_starts_and_shows_the_workspace_in_the_status_bar(session):
    got = _step(session, "workbench")
    # The server's own count of indexed files: the example workspace's five and legacy.dbml.
    assert re.search(r"dbmt: 6 files, 1 error\b", got["status"]), got
    assert not [n for n in session["notifications"] if "dbmt" in n], session["notifications"]


def test_problems_panel_lists_the_dbmt_diagnostic_with_its_code(session):
    got = _step(session, "problems")
    rows = [r["text"] for r in got["rows"] if "DBMT102" in r["text"]]
    assert rows, got["rows"]
    assert "table 'Users' has no column 'idd'" in rows[0]
    assert any("posting.dbmt" in r["text"] for r in got["rows"]), got["rows"]
    assert re.search(r"\b1 error\b", got["status"]), got["status"]
    # The .dbml file is served too (dbmt.dbml.enabled is on by default): its warning is listed.
    assert any("DBMT601" in r["text"] and "'high'" in r["text"] for r in got["rows"]), got["rows"]
    # In the file, VS Code's hover at the squiggle shows the same diagnostic with its code.
    assert "has no column 'idd'" in got["hover"] and "DBMT102" in got["hover"], got["hover"]


def test_an_edit_that_fixes_it_clears_it(session):
    got = _step(session, "fix")
    assert not any("DBMT102" in r["text"] for r in got["rows"]), got["rows"]
    assert [r["text"] for r in got["rows"] if "DBMT" in r["text"]] == [
        r["text"] for r in _step(session, "problems")["rows"] if "DBMT601" in r["text"]], got["rows"]
    assert "0 errors" in got["status"]


def test_dbml_setting_off_leaves_dbml_files_alone(session):
    got = _step(session, "dbml_off")
    assert got["before"] == "true"
    assert not any("DBMT601" in r["text"] or "legacy.dbml" in r["text"] for r in got["rows"]), got["rows"]
    # The server came back (it restarted with the new setting) and still indexes every file.
    assert re.search(r"dbmt: 6 files, 0 errors\b", got["status"]), got["status"]


def test_completion_after_percent_offers_marks(session):
    got = _step(session, "completion")
    labels = " ".join(got["rows"])
    for mark in ("relation", "events_clone", "extension"):
        assert mark in labels, got["rows"]


def test_f12_opens_the_definition_in_another_file(session):
    got = _step(session, "definition")
    assert got["from"] == "shoes.dbmt"
    assert got["tab"] == "gloves.dbmt", got
    line, col = session["targets"]["gloves"]
    assert got["cursor"].startswith(f"Ln {line}, Col {col}"), got


def test_hover_on_a_table_shows_its_columns(session):
    got = _step(session, "hover")
    for column in ("id", "handle", "created"):
        assert re.search(rf"\b{column}\b", got["text"]), got["text"]


def test_semantic_highlighting_is_active_on_a_mark(session):
    got = _step(session, "tokens")
    text = got["text"]
    assert re.search(r"semantic token type\s*\S+", text), text
    assert re.search(r"semantic token type\s*(decorator|macro)", text), text
