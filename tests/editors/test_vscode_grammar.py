"""The extension's TextMate grammar, token by token: editors/vscode/test/grammar/*.dbmt hold
source lines with the scopes expected under them (`// ^^^ scope`), checked by
vscode-tmgrammar-test with VS Code's own tokenizer (vscode-textmate + oniguruma)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXT = REPO / "editors" / "vscode"


@pytest.fixture(scope="module")
def tools():
    r = subprocess.run(["bash", str(REPO / "scripts" / "setup-editors.sh"), "vscode-extension"], cwd=REPO,
                       capture_output=True, text=True, timeout=900)
    if r.returncode == 3:
        msg = r.stderr.strip().splitlines()[-1]
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI: {msg}")
        pytest.skip(msg)
    assert r.returncode == 0, r.stderr[-3000:]
    return EXT / "node_modules" / ".bin" / "vscode-tmgrammar-test"


def test_grammar_scopes_match_the_annotated_files(tools):
    files = sorted(str(p.relative_to(EXT)) for p in (EXT / "test" / "grammar").glob("*.dbmt"))
    assert len(files) >= 2
    r = subprocess.run([str(tools), "-g", "syntaxes/dbmt.tmLanguage.json", "-g", "syntaxes/dbml.tmLanguage.json", *files],
                       cwd=EXT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert r.stdout.count("run successfuly") == len(files), r.stdout


def test_a_wrong_expectation_fails(tools, tmp_path):
    """The runner is not blind: a file expecting a table where the grammar says enum fails."""
    src = (EXT / "test" / "grammar" / "marks.dbmt").read_text(encoding="utf-8")
    bad = tmp_path / "bad.dbmt"
    bad.write_text(src.replace("entity.name.type.enum.dbmt", "entity.name.type.table.dbmt"), encoding="utf-8")
    r = subprocess.run([str(tools), "-g", "syntaxes/dbmt.tmLanguage.json", str(bad)], cwd=EXT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode != 0
    assert "missing required scopes: entity.name.type.table.dbmt" in r.stdout


def test_the_manifest_points_at_what_exists():
    pkg = json.loads((EXT / "package.json").read_text())
    for g in pkg["contributes"]["grammars"]:
        assert (EXT / g["path"]).is_file(), g
        assert json.loads((EXT / g["path"]).read_text())["scopeName"] == g["scopeName"]
    for lang in pkg["contributes"]["languages"]:
        json.loads((EXT / lang["configuration"]).read_text())
    assert (EXT / pkg["icon"]).is_file()
    settings = pkg["contributes"]["configuration"]["properties"]
    for key in ("dbmt.server.path", "dbmt.server.args", "dbmt.trace.server", "dbmt.severity", "dbmt.debounce",
                "dbmt.maxDiagnosticsPerFile", "dbmt.dbml.enabled"):
        assert key in settings, key
    # The server's settings (server/dbmt/lsp/settings.py) read these names of the `dbmt` section.
    from dbmt.lsp.settings import Settings
    got = Settings().merged({"dbmt": {"severity": {"DBMT306": "error"}, "debounce": settings["dbmt.debounce"]["default"]}})
    assert got.severity == {"DBMT306": "error"} and got.debounce_ms == settings["dbmt.debounce"]["default"]
    assert not got.problems
    limit = settings["dbmt.maxDiagnosticsPerFile"]
    got = Settings().merged({"dbmt": {"maxDiagnosticsPerFile": limit["default"]}})
    assert got.max_diagnostics_per_file == limit["default"] == Settings().max_diagnostics_per_file
    assert not got.problems and not Settings().merged({"maxDiagnosticsPerFile": limit["minimum"]}).problems
    levels = settings["dbmt.severity"]["additionalProperties"]["enum"]
    for level in levels:
        assert not Settings().merged({"severity": {"DBMT306": level}}).problems, level
