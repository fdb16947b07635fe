"""The formatter: the canonical layout on hand-written input, and its properties on every
.dbmt/.dbml file of the tests and examples — idempotent, meaning-preserving, elements with
syntax errors untouched, no element left unformatted by the safety net; line endings and
comments kept; range formatting; the official toolchain reads formatted DBML the same way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dbmt.format import digest, format_file, format_range, format_text, same_meaning
from dbmt.syntax import parse_text
from node_tools import require_package, run_node

REPO = Path(__file__).resolve().parents[2]


def all_files() -> list[Path]:
    out = []
    for base in (REPO / "tests", REPO / "examples"):
        out += [p for p in base.rglob("*") if p.suffix in (".dbmt", ".dbml") and "node_modules" not in p.parts]
    return sorted(out)


FILES = all_files()


def test_there_are_files():
    assert len(FILES) >= 60


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_properties(path: Path):
    text = path.read_text(encoding="utf-8")
    is_dbml = path.suffix == ".dbml"
    res = format_file(text, is_dbml)
    assert res.fallbacks == 0, "the printer made something the safety net had to refuse"
    assert format_text(res.text, is_dbml) == res.text, "not idempotent"
    assert same_meaning(text, res.text), "the model changed"
    for ch in parse_text(text).chunks:
        if ch.errors:
            assert text[ch.start:ch.end].rstrip() in res.text, "an element with a syntax error was changed"


CANONICAL_IN = """\
// header comment
use {enum Status} from './status'
use * from './base'
Table   core.users as U [headercolor:#fff,note:'people'] {
  %relation
  id int [ pk,increment ]   // the key
     name varchar(255) [not null ,note:'x']
  %events_clone

  // an email
  email   "character varying" [unique]
  team_id int [ref:>teams.id] %relation_source
  tags text[]
  indexes {
    (name,email) [unique]
    `lower(email)`
  }
}
Enum Status { active [note:'on']
  gone
}
Ref: core.users.team_id>teams.id [delete:cascade]
Table teams   {
  id int [pk]
  Note: '''
    multi
      line
  '''
}
"""

CANONICAL_OUT = """\
// header comment
use { enum Status } from './status'
use * from './base'

Table core.users as U [headercolor: #fff, note: 'people'] {
  %relation
  %events_clone
  id   int          [pk, increment] // the key
  name varchar(255) [not null, note: 'x']

  // an email
  email   "character varying" [unique]
  team_id int                 [ref: > teams.id] %relation_source
  tags    text[]
  indexes {
    (name, email) [unique]
    `lower(email)`
  }
}

Enum Status {
  active [note: 'on']
  gone
}

Ref: core.users.team_id > teams.id [delete: cascade]

Table teams {
  id int [pk]
  Note: '''
    multi
      line
  '''
}
"""


def test_canonical_layout():
    assert format_text(CANONICAL_IN) == CANONICAL_OUT
    assert format_text(CANONICAL_OUT) == CANONICAL_OUT


def test_line_endings_are_kept():
    crlf = CANONICAL_IN.replace("\n", "\r\n")
    out = format_text(crlf)
    assert out == CANONICAL_OUT.replace("\n", "\r\n")
    assert "\n" not in out.replace("\r\n", "")


def test_elements_with_syntax_errors_are_left_as_written():
    src = "Table a {\n  id   int [pk\n  name varchar\n}\nTable   b {\n  id int\n}\n"
    out = format_text(src)
    assert out.startswith("Table a {\n  id   int [pk\n  name varchar\n}\n")
    assert out.endswith("Table b {\n  id int\n}\n")
    assert format_file(src).kept == 1


def test_an_opener_that_never_closes_leaves_the_rest_as_written():
    # To DBML everything after `/*` may be a comment: nothing from there on is reformatted.
    src = "Table   a {\n  id int\n}\n/* never closed\nTable   b {\n  id    int\n}\n"
    out = format_text(src)
    assert out == "Table a {\n  id int\n}\n\n/* never closed\nTable   b {\n  id    int\n}\n"
    assert format_range(src, len(src) - 3, len(src) - 3) == []


def test_comments_stay_where_they_were():
    src = "// above\nTable t { // on the brace\n  // above id\n  id int // after id\n  /* block */\n}\n// at the end\n"
    out = format_text(src)
    assert out == ("// above\nTable t { // on the brace\n  // above id\n  id int // after id\n  /* block */\n}\n"
                   "// at the end\n")
    # A comment between tokens that the layout joins on one line: the element stays as written.
    src = "Table t {\n  id int [pk, // why\n    not null]\n}\n"
    assert format_text(src) == src


def test_same_meaning_sees_changes():
    base = "Table t {\n  id int [pk, note: 'a']\n  %relation\n}\n"
    assert same_meaning(base, "Table t {\n  %relation\n  id int [pk, note: 'a']\n}\n")
    assert not same_meaning(base, "Table t {\n  id int [note: 'a', pk]\n  %relation\n}\n")  # setting order
    assert not same_meaning(base, "Table t {\n  id int [pk, note: 'b']\n  %relation\n}\n")  # note text
    assert not same_meaning(base, "Table t {\n  id bigint [pk, note: 'a']\n  %relation\n}\n")
    assert not same_meaning(base, "Table t {\n  id int [pk, note: 'a']\n  %relation_source\n}\n")
    assert not same_meaning(base, "Table t {\n  id int [pk, note: 'a'] // x\n  %relation\n}\n")  # a comment
    a = parse_text("Table t { a int\n b int }").elements[0]
    b = parse_text("Table t { b int\n a int }").elements[0]
    assert digest(a) != digest(b)


def test_format_range_touches_only_the_elements_in_range():
    src = "Table a {\n id int\n}\n\nTable   b {\n id    int\n}\n"
    b_at = src.index("id    int")
    edits = format_range(src, b_at, b_at)
    assert edits == [(src.index("Table   b"), len(src) - 1, "Table b {\n  id int\n}")]
    assert format_range(src, 0, len(src)) == [(0, src.index("\n}\n") + 2, "Table a {\n  id int\n}"), edits[0]]
    assert format_range(format_text(src), 0, len(src)) == []


def test_dbml_files_keep_percent_as_dbml_reads_it():
    # In .dbml a mark is not a lexical form (DBMT110): the element stays as written there.
    src = "Table t {\n  %relation\n  id   int\n}\n"
    assert format_text(src, path_is_dbml=True) == src
    assert format_text(src) == "Table t {\n  %relation\n  id int\n}\n"


def test_official_toolchain_reads_formatted_dbml_the_same():
    """Every .dbml file of the tests that @dbml/core accepts, and the expansions of the example
    and the collisions fixture, are accepted after formatting too and export the same
    PostgreSQL and MySQL."""
    from dbmt.expand import expand_workspace
    from dbmt.workspace import Workspace

    require_package("@dbml/core")
    files = [p for p in FILES if p.suffix == ".dbml"]
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    for ws_dir in (REPO / "examples" / "shop", REPO / "tests" / "fixtures" / "expand" / "collisions"):
        texts[ws_dir] = expand_workspace(Workspace.open(ws_dir))
        files.append(ws_dir)
    jobs = []
    for p in files:
        jobs += [{"name": f"{p}|before", "text": texts[p]}, {"name": f"{p}|after", "text": format_text(texts[p], True)}]
    res = run_node("dbml_export.mjs", jobs)
    valid = 0
    for p in files:
        before, after = res[f"{p}|before"], res[f"{p}|after"]
        if not before["ok"]:
            continue
        valid += 1
        assert after["ok"], (p, after["errors"])
        assert (after["postgres"], after["mysql"]) == (before["postgres"], before["mysql"]), p
    assert valid >= 6


def _cli(*args, cwd):
    exe = Path(sys.executable).with_name("dbmt-lsp")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd)


def test_cli_format_files(tmp_path):
    (tmp_path / "a.dbmt").write_text(CANONICAL_IN, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.dbml").write_text(CANONICAL_OUT.split("\n\nEnum")[0].replace("use", "// use") + "\n",
                                              encoding="utf-8")
    (tmp_path / "sub" / "ok.dbml").write_text("Table t {\n  id int\n}\n", encoding="utf-8")
    r = _cli("--format-files", "--check-only", ".", cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    assert "a.dbmt: not formatted" in r.stdout and "ok.dbml" not in r.stdout
    assert (tmp_path / "a.dbmt").read_text(encoding="utf-8") == CANONICAL_IN  # check-only changes nothing
    r = _cli("--format-files", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "a.dbmt").read_text(encoding="utf-8") == CANONICAL_OUT
    r = _cli("--format-files", "--check-only", "a.dbmt", "sub", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "", (r.stdout, r.stderr)
    assert _cli("--format-files", "missing.dbmt", cwd=tmp_path).returncode == 2
    assert _cli("--check-only", cwd=tmp_path).returncode == 2


def _widened(text: str, seed: int) -> str:
    """`text` with blanks between tokens widened at random (spaces and tabs added where a blank
    already is, blank lines added between lines, trailing blanks), strings, comments and marks
    untouched: the same file as far as layout goes."""
    import random

    from dbmt.syntax import DEFAULT_CACHE
    from dbmt.syntax.generic import Group

    rng = random.Random(seed)
    spots: list[int] = []
    for ch in parse_text(text).chunks:
        cp = DEFAULT_CACHE.get(text[ch.start:ch.end])
        toks: list[tuple[int, int]] = []

        def walk(lines):
            for ln in lines:
                for group in (ln.items, ln.after):
                    items(group)
                if ln.block is not None:
                    toks.append((ln.block.start, ln.block.start + 1))
                    walk(ln.block.lines)
                    toks.append((ln.block.end - 1, ln.block.end))

        def items(its):
            for it in its:
                if type(it) is Group:
                    toks.append((it.start, it.start + 1))
                    items(it.items)
                    toks.append((it.end - 1, it.end))
                else:
                    toks.append((it.start, it.end))

        walk(cp.lines)
        toks.sort()
        for (_s, e), (s2, _e2) in zip(toks, toks[1:]):
            gap = text[ch.start + e:ch.start + s2]
            if gap and gap.strip(" \t") == "":
                spots.append(ch.start + e)
            elif gap and "\n" in gap and gap.strip() == "":
                spots.append(ch.start + e)  # the end of a line: trailing blanks, or a blank line
    out, last = [], 0
    for at in sorted(set(spots)):
        if rng.random() < 0.5:
            out.append(text[last:at])
            out.append(rng.choice([" ", "  ", "\t", "   ", " \t"]))
            last = at
    out.append(text[last:])
    return "".join(out)


def _formatted_whole(p: Path) -> bool:
    """No element of the file is left as written (syntax errors; marks in .dbml)."""
    return format_file(p.read_text(encoding="utf-8"), p.suffix == ".dbml").kept == 0


@pytest.mark.parametrize("path", [p for p in FILES if _formatted_whole(p)], ids=lambda p: str(p.relative_to(REPO)))
def test_layout_does_not_depend_on_blanks(path: Path):
    text = path.read_text(encoding="utf-8")
    is_dbml = path.suffix == ".dbml"
    want = format_text(text, is_dbml)
    for seed in range(3):
        widened = _widened(text, seed)
        assert widened != text or seed
        assert same_meaning(text, widened)
        assert format_text(widened, is_dbml) == want, seed
