"""One file checked alone gets the verdict its whole workspace gives it (config.find_root).

pre-commit calls a hook with the changed files as arguments, from the repository root; people
call it from a subfolder. In a multi-team workspace without a config file (the shop layout:
accessories/, shoes/, social/ …), `dbmt-lsp --check shoes/shoes.dbmt` must see the other
teams' files, not only its own folder.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from test_check_cli import REPO, run, write

SHOP = REPO / "examples" / "shop"


def shop_without_config(tmp_path: Path, git: bool) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(SHOP, root)
    (root / "dbmt.toml").unlink()
    if git:
        (root / ".git").mkdir()  # what find_root looks for: a repository root
    return root


def diagnostics(r, cwd: Path, root: Path) -> list[tuple]:
    """(path from the root, line, column, code, message) of a JSON report."""
    data = json.loads(r.stdout)
    out = []
    for d in data["diagnostics"]:
        rel = Path(os.path.normpath(cwd / d["path"])).relative_to(root).as_posix()
        out.append((rel, d["line"], d["column"], d["code"], d["message"]))
    return out


def test_one_file_from_the_root_sees_the_other_teams(tmp_path):
    root = shop_without_config(tmp_path, git=False)
    r = run(["--check", "shoes/shoes.dbmt", "--no-cache"], root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "0 errors, 0 warnings in 0 files (1 file checked)"


@pytest.mark.parametrize("cwd", [".", "shoes", "social"])
def test_one_file_gets_the_whole_workspace_verdict(tmp_path, cwd):
    """A finding that needs a file shoes.dbmt does not import: a second `Shoes` in a file
    without `use` lines (it sees every name, so both definitions are DBMT105)."""
    root = shop_without_config(tmp_path, git=True)
    write(root, "legacy/old.dbmt", "Table Shoes {\n  id key_t [pk]\n}\n")
    whole = run(["--check", ".", "--format", "json", "--no-cache"], root)
    expected = sorted(d for d in diagnostics(whole, root, root) if d[0] == "shoes/shoes.dbmt")
    assert [d[3] for d in expected] == ["DBMT105"], whole.stdout
    here = root / cwd
    target = os.path.relpath(root / "shoes" / "shoes.dbmt", here)
    one = run(["--check", target, "--format", "json", "--no-cache"], here)
    assert one.returncode == 1, one.stdout + one.stderr
    assert sorted(diagnostics(one, here, root)) == expected


def test_a_folder_inside_the_workspace_is_checked_as_part_of_it(tmp_path):
    root = shop_without_config(tmp_path, git=True)
    r = run(["--check", ".", "--no-cache"], root / "shoes")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "(1 file checked)" in r.stdout


def test_without_repository_a_use_outside_the_root_is_still_loaded(tmp_path):
    """cwd = a subfolder, no .git, no config: the root is the working directory, and the files
    its `use` lines name above it are loaded (no false DBMT111/DBMT103/DBMT201)."""
    root = shop_without_config(tmp_path, git=False)
    r = run(["--check", "shoes.dbmt", "--no-cache"], root / "shoes")
    assert r.returncode == 0, r.stdout + r.stderr
    # …and the cache notices when such a file changes.
    first = run(["--check", "shoes.dbmt"], root / "shoes")
    assert first.returncode == 0, first.stdout
    acc = root / "accessories" / "accessories.dbmt"
    acc.write_text(acc.read_text(encoding="utf-8").replace("Enum AccessoryExtType", "Enum AccessoryKind"), encoding="utf-8")
    second = run(["--check", "shoes.dbmt"], root / "shoes")
    assert second.returncode == 1
    assert "'../accessories/accessories' defines no enum 'AccessoryExtType'" in second.stdout


def test_nested_config_is_a_workspace_of_its_own(tmp_path):
    """A folder with its own dbmt.toml below the repository root is a separate workspace:
    its names do not leak into the outer one, and checking from above uses its config."""
    (tmp_path / ".git").mkdir()
    write(tmp_path, "a.dbmt", "Table users {\n  id int [pk]\n}\n")
    write(tmp_path, "team/dbmt.toml", "[severity]\nDBMT101 = 'warning'\n")
    write(tmp_path, "team/b.dbmt", "Table users {\n  id int [pk, ref: > nowhere.id]\n}\n")
    r = run(["--check", ".", "--no-cache"], tmp_path)
    assert "DBMT105" not in r.stdout, r.stdout
    assert "team/b.dbmt:2:22: warning DBMT101 unknown table 'nowhere'" in r.stdout
    assert r.returncode == 0


def test_unreadable_import_is_said_so(tmp_path):
    """A file a `use` names outside the root that cannot be read: DBMT111 says that, never that
    the file lacks the name."""
    app = tmp_path / "app"
    write(app, "main.dbmt", "use { table users } from '../other'\nTable t {\n  id int [ref: > users.id]\n}\n")
    other = write(tmp_path, "other.dbmt", "Table users {\n  id int [pk]\n}\n")
    other.chmod(0)
    try:
        if os.access(other, os.R_OK):
            pytest.skip("running as a user who can read any file (root): cannot make one unreadable")
        r = run(["--check", "main.dbmt", "--no-cache"], app)
    finally:
        other.chmod(0o644)
    assert "defines no" not in r.stdout, r.stdout
    assert "main.dbmt:1:26: error DBMT111 '../other' names ../other.dbmt, which cannot be read (Permission denied)" in r.stdout


def test_a_workspace_with_nothing_to_report_is_not_loaded(tmp_path):
    """`--check examples` from a repository root: the repository's own workspace holds no file
    under examples/ (examples/shop is a workspace of its own), so it is not loaded at all,
    whatever else the repository holds (the cache a load writes shows which were)."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    shutil.copytree(SHOP, repo / "examples" / "shop")
    write(repo, "generated/schema.dbmt", "Table t {\n  id int\n  id int\n}\n")
    r = run(["--check", "examples"], repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == "0 errors, 0 warnings in 0 files (5 files checked)"
    assert (repo / "examples" / "shop" / ".dbmt-cache").is_dir()
    assert not (repo / ".dbmt-cache").exists()
    whole = run(["--check", "."], repo)
    assert whole.returncode == 1 and (repo / ".dbmt-cache").is_dir()
