"""The diagram's node side (editors/diagram): its own tests (node --test: layout, SVG, the
dbmt-layout.json format), the bundle `dbmt-lsp --export svg` runs, rebuilt and compared with the
committed copy, and that bundle run with node alone on the shop example's model: every table
drawn once, every edge once, positions from a dbmt-layout.json used, bad input a clear error."""

from __future__ import annotations

import json
import os
import re
import subprocess
from html import unescape
from pathlib import Path

import pytest

from tests.node_tools import node

REPO = Path(__file__).resolve().parents[2]
DIAGRAM = REPO / "editors" / "diagram"
BUNDLE = REPO / "server" / "dbmt" / "export" / "assets" / "diagram-render.mjs"
SHOP = DIAGRAM / "test" / "fixtures" / "shop.json"


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
    return node()


def test_the_diagram_package_tests_pass(tools):
    r = subprocess.run([tools, "--test", "test/"], cwd=DIAGRAM, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert re.search(r"^# pass [1-9]", r.stdout, re.M) and re.search(r"^# fail 0$", r.stdout, re.M), r.stdout[-2000:]


def test_the_committed_bundle_is_current(tools, tmp_path):
    out = tmp_path / "diagram-render.mjs"
    r = subprocess.run([tools, "bundle.mjs", str(out)], cwd=DIAGRAM, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == BUNDLE.read_bytes(), (
        "server/dbmt/export/assets/diagram-render.mjs is stale: run `node editors/diagram/bundle.mjs` and commit it")


def _render(tools, model_text: str, *args, cwd):
    return subprocess.run([tools, str(BUNDLE), *args], input=model_text, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def _ids(svg: str, cls: str) -> list[str]:
    return [unescape(m) for m in re.findall(rf'<g class="{cls}(?: [^"]*)?" data-id="([^"]*)"', svg)]


def test_the_bundle_draws_every_table_and_edge_once_with_node_alone(tools, tmp_path):
    # Run outside the repository, so nothing but the bundle itself can be imported.
    model = json.loads(SHOP.read_text(encoding="utf-8"))
    r = _render(tools, SHOP.read_text(encoding="utf-8"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    svg = r.stdout
    assert svg.startswith("<svg xmlns=\"http://www.w3.org/2000/svg\"")
    assert sorted(_ids(svg, "table")) == sorted(t["id"] for t in model["tables"])
    assert sorted(_ids(svg, "edge")) == sorted(e["id"] for e in model["edges"])
    assert sorted(_ids(svg, "group")) == sorted(g["id"] for g in model["groups"])
    # Deterministic: the same model gives the same bytes.
    assert _render(tools, SHOP.read_text(encoding="utf-8"), cwd=tmp_path).stdout == svg


def test_the_bundle_uses_the_saved_positions(tools, tmp_path):
    model = json.loads(SHOP.read_text(encoding="utf-8"))
    tid = model["tables"][0]["id"]
    saved = tmp_path / "dbmt-layout.json"
    saved.write_text(json.dumps({"version": 1, "tables": {tid: {"x": 4321, "y": -987}}}), encoding="utf-8")
    r = _render(tools, SHOP.read_text(encoding="utf-8"), str(saved), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    esc = tid.replace("&", "&amp;")
    assert re.search(rf'data-id="{re.escape(esc)}" transform="translate\(4321,-987\)"', r.stdout)


def test_bad_input_is_a_clear_error(tools, tmp_path):
    r = _render(tools, "not json", cwd=tmp_path)
    assert r.returncode == 2 and "stdin is not JSON" in r.stderr and not r.stdout
    r = _render(tools, json.dumps({"version": 7}), cwd=tmp_path)
    assert r.returncode == 2 and "not a version 1 dbmt/diagram model" in r.stderr
    r = _render(tools, SHOP.read_text(encoding="utf-8"), str(tmp_path / "absent.json"), cwd=tmp_path)
    assert r.returncode == 2 and "cannot read" in r.stderr and "ENOENT" in r.stderr
    (tmp_path / "broken.json").write_text("{", encoding="utf-8")
    r = _render(tools, SHOP.read_text(encoding="utf-8"), str(tmp_path / "broken.json"), cwd=tmp_path)
    assert r.returncode == 0 and "not valid JSON" in r.stderr and "<svg" in r.stdout
