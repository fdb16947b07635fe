"""The real tools some tests drive: node with tests/node's packages (@dbml/core, mermaid-cli) and
Debian's chromium for mermaid-cli. `scripts/test-deps.sh` installs them (scripts/test.sh runs
it); a test that needs one calls `require(...)`: on a developer machine without it the test is
skipped with one line saying what to install, and in CI (`CI=true`) it fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"
CHROMIUM = "/usr/bin/chromium"
HINT = "run `bash scripts/test-deps.sh` (node 20 with npm; Debian's chromium for diagrams)"


def _missing(what: str) -> None:
    msg = f"{what} is not installed: {HINT}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg + " — CI must have it")
    pytest.skip(msg)


def node() -> str:
    exe = shutil.which("node")
    if exe is None:
        _missing("node")
    return exe


def require_package(name: str) -> Path:
    """The folder of an installed package of tests/node (e.g. `@dbml/core`)."""
    node()
    path = NODE_DIR / "node_modules" / name / "package.json"
    if not path.is_file():
        _missing(f"the npm package {name} (tests/node)")
    return path.parent


def require_chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"chromium ({CHROMIUM})")
    return CHROMIUM


def run_node(script: str, payload, timeout: float = 600) -> dict:
    """Runs tests/node/<script> with `payload` as JSON on stdin; its JSON answer."""
    proc = subprocess.run([node(), str(NODE_DIR / script)], input=json.dumps(payload), capture_output=True,
                          text=True, cwd=NODE_DIR, timeout=timeout)
    assert proc.returncode == 0, f"{script} failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)
