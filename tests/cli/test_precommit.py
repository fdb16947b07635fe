"""The repository's .pre-commit-hooks.yaml, used by the real pre-commit tool the way a team uses
it: a throw-away project repository names this repository as its hook repository (`repo:
<path>`, `rev: <commit>`), `pre-commit install` puts the git hook in place, and `git commit`
runs it. pre-commit builds the hook's own virtualenv from the hook repository (pip, from PyPI);
PRE_COMMIT_HOME is a temporary folder, shared by the tests of this module so that the hook
environment is built once.

The hook repository is a snapshot of this working tree (tracked files and untracked ones that are
not ignored, as they are now), committed into a temporary repository: the tests exercise the
code under test, not an old commit.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_check_cli import EXE, REPO

ENUM = "Enum AccessoryExtType {\n  SkeeingExt\n  LedExt\n}\n"
SKEEING = "Table SkeeingExt {\n  %extension_enum AccessoryExtType.SkeeingExt\n  id int [pk]\n}\n"
LED = "Table LedExt {\n  %extension_enum AccessoryExtType.LedExt\n  id int [pk]\n}\n"


def _missing(what: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} (CI=true: a missing tool fails the test)")
    pytest.skip(what)


def _git_env(home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(PRE_COMMIT_HOME=str(home), GIT_AUTHOR_NAME="dbmt test", GIT_AUTHOR_EMAIL="test@dbmt.invalid",
               GIT_COMMITTER_NAME="dbmt test", GIT_COMMITTER_EMAIL="test@dbmt.invalid",
               GIT_CONFIG_NOSYSTEM="1", PRE_COMMIT_COLOR="never", NO_COLOR="1")
    env.pop("PRE_COMMIT", None)
    return env


def git(args, cwd, env, check=True):
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=check, timeout=120)


@pytest.fixture(scope="module")
def tools():
    if shutil.which("git") is None:
        _missing("install git to test the pre-commit hooks")
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    if pre_commit is None:
        _missing("pip install pre-commit (the test extra has it) to test the pre-commit hooks")
    return pre_commit


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, tools, home):
    """(path, commit) of a snapshot of this working tree."""
    env = _git_env(home)
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, env=env, timeout=120)
    if listed.returncode != 0:
        _missing(f"{REPO} is not a git checkout: {listed.stderr.decode().strip()}")
    dest = tmp_path_factory.mktemp("hook-repo")
    for name in listed.stdout.decode().split("\0"):
        src = REPO / name
        if name and src.is_file():  # a tracked file deleted in the working tree is gone here too
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    assert (dest / ".pre-commit-hooks.yaml").is_file()
    git(["init", "-q"], dest, env)
    git(["add", "-A"], dest, env)
    git(["commit", "-q", "-m", "snapshot of the working tree under test"], dest, env)
    return dest, git(["rev-parse", "HEAD"], dest, env).stdout.strip()


def make_project(root: Path, hook_repo, hooks: list[str], pre_commit: str, env: dict) -> Path:
    path, rev = hook_repo
    root.mkdir()
    git(["init", "-q"], root, env)
    lines = ["repos:", f"  - repo: {path}", f"    rev: {rev}", "    hooks:"] + [f"      - id: {h}" for h in hooks]
    (root / ".pre-commit-config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    r = subprocess.run([pre_commit, "install"], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return root


def put(root: Path, rel: str, text: str | None) -> None:
    p = root / rel
    if text is None:
        p.unlink()
        return
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")


def commit(root: Path, message: str, env: dict) -> subprocess.CompletedProcess:
    git(["add", "-A"], root, env)
    # The first commit builds the hook environment (pip install from PyPI): minutes at worst.
    r = subprocess.run(["git", "commit", "-m", message], cwd=root, env=env, capture_output=True, text=True,
                       timeout=900)
    r.output = r.stdout + r.stderr
    return r


def head_subject(root: Path, env: dict) -> str:
    return git(["log", "-1", "--format=%s"], root, env, check=False).stdout.strip()


def test_check_hook_refuses_bad_commits_and_passes_good_ones(tmp_path, tools, home, hook_repo):
    env = _git_env(home)
    root = make_project(tmp_path / "shop", hook_repo, ["dbmt-check"], tools, env)
    put(root, "dbmt.toml", "# the workspace root: every team's folder below\n")
    put(root, "accessories/accessories.dbmt", ENUM)
    put(root, "extensions/ext.dbmt", SKEEING + "\n" + LED)
    good = commit(root, "teams start", env)
    assert good.returncode == 0, good.output
    assert "dbmt check" in good.output and "Passed" in good.output
    assert head_subject(root, env) == "teams start"

    # A bad file: the commit is refused and the diagnostic is shown.
    put(root, "extensions/ext.dbmt", SKEEING + "\n" + LED.replace("id int [pk]", "id int [pk]\n  x int [ref: > Nope.id]"))
    bad = commit(root, "bad ref", env)
    assert bad.returncode == 1, bad.output
    assert "Failed" in bad.output
    assert "extensions/ext.dbmt:9:17: error DBMT101 unknown table 'Nope'" in bad.output
    assert head_subject(root, env) == "teams start"

    # A change that is clean in itself but breaks a rule whose diagnostic stands in a file the
    # commit does not touch: the hook reports on the whole workspace of the changed file.
    put(root, "extensions/ext.dbmt", SKEEING)
    cross = commit(root, "drop LedExt", env)
    assert cross.returncode == 1, cross.output
    assert ("accessories/accessories.dbmt:3:3: error DBMT301 variant 'AccessoryExtType.LedExt' has no extension table"
            in cross.output)
    assert head_subject(root, env) == "teams start"

    # The variant's table moves to a file of its own: a good commit.
    put(root, "extensions/led.dbmt", LED)
    moved = commit(root, "LedExt in its own file", env)
    assert moved.returncode == 0, moved.output
    assert head_subject(root, env) == "LedExt in its own file"

    # A commit without schema files does not run the hook at all.
    put(root, "README.md", "the shop\n")
    other = commit(root, "readme", env)
    assert other.returncode == 0 and "(no files to check)Skipped" in other.output, other.output


def test_hook_environment_ships_the_code_pages(tmp_path, tools, home, hook_repo):
    """pre-commit installs dbmt as a wheel: its SARIF links to the code pages the wheel ships."""
    env = _git_env(home)
    root = make_project(tmp_path / "p", hook_repo, ["dbmt-check"], tools, env)
    put(root, "a.dbmt", "Table a {\n  id int [pk]\n}\n")
    r = commit(root, "one table", env)
    assert r.returncode == 0, r.output
    installed = sorted(home.glob("repo*/py_env-*/bin/dbmt-lsp"))
    assert installed, f"no hook environment under {home}"
    out = subprocess.run([str(installed[-1]), "--check", "--output-format", "sarif"], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rules = {r["id"]: r for r in json.loads(out.stdout)["runs"][0]["tool"]["driver"]["rules"]}
    help_uri = rules["DBMT301"]["helpUri"]
    assert help_uri.startswith("file://") and help_uri.endswith("/dbmt/_docs/codes/DBMT301.md"), help_uri
    assert rules["DBMT301"]["help"]["markdown"].startswith("# DBMT301")


def _formatter_available() -> bool:
    r = subprocess.run([EXE, "--help"], capture_output=True, text=True, timeout=120)
    return "--format-files" in r.stdout


@pytest.mark.skipif(not _formatter_available(),
                    reason="dbmt-lsp has no --format-files on this branch yet (the formatter is built on branch "
                           "expand-format); the dbmt-format hook runs `dbmt-lsp --format-files`")
def test_format_hook_rewrites_a_badly_laid_out_file(tmp_path, tools, home, hook_repo):
    env = _git_env(home)
    root = make_project(tmp_path / "fmt", hook_repo, ["dbmt-format", "dbmt-check"], tools, env)
    messy = "Table   users{\nid    int [pk]\n     name varchar   [not null]\n}\nTable posts {\n user_id int [ref: > users.id]\n}"
    put(root, "schema.dbmt", messy)
    first = commit(root, "messy", env)
    assert first.returncode == 1, first.output
    assert "dbmt format" in first.output and "files were modified by this hook" in first.output
    formatted = (root / "schema.dbmt").read_text(encoding="utf-8")
    assert formatted != messy
    # The hook wrote what the formatter writes, and that layout is final: the second commit passes.
    expected = tmp_path / "direct" / "schema.dbmt"
    expected.parent.mkdir()
    expected.write_text(messy, encoding="utf-8")
    direct = subprocess.run([EXE, "--format-files", str(expected)], capture_output=True, text=True, timeout=120)
    assert direct.returncode in (0, 1), direct.stderr
    assert expected.read_text(encoding="utf-8") == formatted
    second = commit(root, "formatted", env)
    assert second.returncode == 0, second.output
    assert head_subject(root, env) == "formatted"
