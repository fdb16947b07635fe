"""`dbmt-lsp --check` output for people and CI: text with related places, github workflow
commands, junit, and the flags around them (--severity-threshold, --config, --quiet,
--statistics, --whole-workspace, colour). SARIF has its own file (test_sarif.py)."""

import json
import os
import pty
import select
import subprocess
from pathlib import Path

import junitparser
import pytest

from dbmt import diagnostics
from dbmt.check.registry import CODES
from dbmt.report import Finding, Place, RelatedPlace, Report, write

from test_check_cli import EXE, REPO, run, write as write_file

DUPLICATE = "Table a {\n  id int [pk]\n}\nTable a {\n  x int\n}\n"


def test_text_prints_related_places_indented_under_their_diagnostic(tmp_path):
    write_file(tmp_path, "a.dbmt", DUPLICATE)
    r = run(["--check", "--no-cache"], tmp_path)
    assert r.returncode == 1
    assert r.stdout.splitlines() == [
        "a.dbmt:1:7: error DBMT105 table 'a' is defined more than once (also in this file)",
        "  a.dbmt:4:7: table 'a' is also defined here",
        "a.dbmt:4:7: error DBMT105 table 'a' is defined more than once (also in this file)",
        "  a.dbmt:1:7: table 'a' is also defined here",
        "2 errors, 0 warnings in 1 file (1 file checked)",
    ]


def test_format_is_an_alias_of_output_format(tmp_path):
    write_file(tmp_path, "a.dbmt", DUPLICATE)
    a = run(["--check", "--no-cache", "--format", "json"], tmp_path)
    b = run(["--check", "--no-cache", "--output-format", "json"], tmp_path)
    assert a.returncode == b.returncode == 1
    assert a.stdout == b.stdout and json.loads(a.stdout)["diagnostics"]
    assert "--format " not in run(["--help"], tmp_path).stdout  # the alias stays out of --help


def test_unknown_output_format_is_a_usage_error(tmp_path):
    r = run(["--check", "--output-format", "xml"], tmp_path)
    assert r.returncode == 2 and "invalid choice: 'xml'" in r.stderr


def test_github_workflow_commands(tmp_path):
    write_file(tmp_path, "dbmt.toml", "[severity]\nDBMT605 = 'warning'\nDBMT403 = 'info'\n")
    write_file(tmp_path, "s/a.dbmt", DUPLICATE + "Table b {\n  x int [ref: > nope.id]\n}\n")
    r = run(["--check", "--no-cache", "--output-format", "github"], tmp_path)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[0] == ("::error file=s/a.dbmt,line=1,col=7,endLine=1,endColumn=8,title=DBMT105 duplicate definition"
                        "::table 'a' is defined more than once (also in this file)"
                        "%0As/a.dbmt:4:7: table 'a' is also defined here")
    assert lines[2] == ("::error file=s/a.dbmt,line=8,col=17,endLine=8,endColumn=21,title=DBMT101 unknown table"
                        "::unknown table 'nope'")
    assert lines[-1] == "3 errors, 0 warnings in 1 file (1 file checked)"


def test_github_levels_and_escaping():
    place = Place("dir,x/a:b.dbmt", "/abs", 2, 3, 2, 9)
    report = Report(findings=[
        Finding("DBMT306", "warning", "100% dead\nreally", place),
        Finding("DBMT403", "information", "note", place, (RelatedPlace(place, "there"),)),
        Finding("DBMT403", "hint", "hint", place),
    ], files=["dir,x/a:b.dbmt"])
    import io

    out = io.StringIO()
    write(report, "github", out, io.StringIO(), quiet=True)
    lines = out.getvalue().splitlines()
    assert lines[0] == ("::warning file=dir%2Cx/a%3Ab.dbmt,line=2,col=3,endLine=2,endColumn=9,"
                        "title=DBMT306 dead variant::100%25 dead%0Areally")
    # Same place and code: ordered by message.
    assert lines[1].startswith("::notice file=") and lines[1].endswith("::hint")
    assert lines[2].startswith("::notice file=") and lines[2].endswith("::note%0Adir,x/a:b.dbmt:2:3: there")
    assert len(lines) == 3  # --quiet: no summary


def test_junit_one_suite_per_file_failures_for_findings(tmp_path):
    write_file(tmp_path, "a.dbmt", DUPLICATE)
    write_file(tmp_path, "b.dbmt", "Table b {\n  id int [pk]\n}\n")
    r = run(["--check", "--no-cache", "--output-format", "junit"], tmp_path)
    assert r.returncode == 1
    (tmp_path / "report.xml").write_text(r.stdout, encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "report.xml"))
    suites = {s.name: s for s in xml}
    assert set(suites) == {"a.dbmt", "b.dbmt"}
    assert (suites["a.dbmt"].tests, suites["a.dbmt"].failures) == (2, 2)
    assert (suites["b.dbmt"].tests, suites["b.dbmt"].failures) == (1, 0)
    cases = list(suites["a.dbmt"])
    assert [c.name for c in cases] == ["DBMT105 1:7", "DBMT105 4:7"]
    failure = cases[0].result[0]
    assert isinstance(failure, junitparser.Failure) and failure.type == "DBMT105"
    assert "a.dbmt:4:7: table 'a' is also defined here" in failure.text
    assert [c.is_passed for c in suites["b.dbmt"]] == [True]


def test_junit_below_threshold_is_not_a_failure_and_control_characters_are_escaped(tmp_path):
    write_file(tmp_path, "dbmt.toml", "[severity]\nDBMT101 = 'warning'\n")
    write_file(tmp_path, "a.dbmt", 'Table a {\n  id int [ref: > "x\x01y".id]\n}\n')
    r = run(["--check", "--no-cache", "--output-format", "junit"], tmp_path)
    assert r.returncode == 0
    (tmp_path / "report.xml").write_text(r.stdout, encoding="utf-8")
    xml = junitparser.JUnitXml.fromfile(str(tmp_path / "report.xml"))
    (case,) = [c for s in xml for c in s]
    assert case.is_passed and "\\x01" in case.system_out and "DBMT101" in case.system_out


def test_severity_threshold(tmp_path):
    write_file(tmp_path, "a.dbmt", "Table a {\n  id int [pk]\n  b_id bigint [ref: > b.id]\n}\nTable b {\n  id int [pk]\n}\n")
    assert "warning DBMT605" in run(["--check", "--no-cache"], tmp_path).stdout
    codes = {t: run(["--check", "--no-cache", "--severity-threshold", t], tmp_path).returncode
             for t in ("error", "warning", "info", "hint", "none")}
    assert codes == {"error": 0, "warning": 1, "info": 1, "hint": 1, "none": 0}
    write_file(tmp_path, "c.dbmt", "Table c {\n  x int [ref: > nope.id]\n}\n")
    assert run(["--check", "--no-cache", "--severity-threshold", "none"], tmp_path).returncode == 0
    assert run(["--check", "--no-cache"], tmp_path).returncode == 1
    bad = run(["--check", "--severity-threshold", "fatal"], tmp_path)
    assert bad.returncode == 2


def test_information_fails_only_from_info_down(tmp_path):
    write_file(tmp_path, "dbmt.toml", "[severity]\nDBMT101 = 'info'\n")
    write_file(tmp_path, "a.dbmt", "Table a {\n  x int [ref: > nope.id]\n}\n")
    got = {t: run(["--check", "--no-cache", "--severity-threshold", t], tmp_path).returncode
           for t in ("warning", "info", "hint")}
    assert got == {"warning": 0, "info": 1, "hint": 1}


def test_config_flag_replaces_the_workspace_config(tmp_path):
    write_file(tmp_path, "ws/dbmt.toml", "[severity]\nDBMT101 = 'error'\n")
    write_file(tmp_path, "ws/a.dbmt", "Table a {\n  x int [ref: > nope.id]\n}\n")
    write_file(tmp_path, "ci/lenient.toml", "[severity]\nDBMT101 = 'off'\n")
    write_file(tmp_path, "ci/pyproject.toml", "[tool.dbmt.severity]\nDBMT101 = 'warning'\n")
    write_file(tmp_path, "ci/other/pyproject.toml", "[project]\nname = 'x'\n")
    assert run(["--check", "ws", "--no-cache"], tmp_path).returncode == 1
    r = run(["--check", "ws", "--config", "ci/lenient.toml"], tmp_path)
    assert r.returncode == 0 and "DBMT101" not in r.stdout, r.stdout
    r = run(["--check", "ws", "--config", "ci/pyproject.toml"], tmp_path)
    assert r.returncode == 0 and "warning DBMT101" in r.stdout
    r = run(["--check", "ws", "--config", "ci/missing.toml"], tmp_path)
    assert r.returncode == 2 and r.stderr.strip() == "dbmt-lsp: --config: no such file: ci/missing.toml"
    r = run(["--check", "ws", "--config", "ci/other/pyproject.toml"], tmp_path)
    assert r.returncode == 2 and "has no [tool.dbmt] table" in r.stderr
    write_file(tmp_path, "ci/broken.toml", "extension-limit = 0\n")
    r = run(["--check", "ws", "--config", "ci/broken.toml"], tmp_path)
    assert r.returncode == 2 and "'extension-limit' must be a positive integer" in r.stderr


def test_quiet_drops_the_summary_only(tmp_path):
    write_file(tmp_path, "a.dbmt", DUPLICATE)
    loud = run(["--check", "--no-cache"], tmp_path).stdout.splitlines()
    quiet = run(["--check", "--no-cache", "--quiet"], tmp_path).stdout.splitlines()
    assert quiet == loud[:-1] and loud[-1].startswith("2 errors")
    assert run(["--check", "--no-cache", "-q", "b.dbmt"], tmp_path).returncode == 2  # no such file
    write_file(tmp_path, "b.dbmt", "Table b {\n  id int\n}\n")
    clean = run(["--check", "--no-cache", "-q", "b.dbmt"], tmp_path)
    assert clean.returncode == 0 and clean.stdout == ""


def test_statistics(tmp_path):
    write_file(tmp_path, "a.dbmt", DUPLICATE + "Table b {\n  x int [ref: > nope.id]\n  y int [ref: > nope2.id]\n"
                                               "  z bigint [ref: > a.id]\n}\n")
    r = run(["--check", "--no-cache", "--statistics"], tmp_path)
    lines = r.stdout.splitlines()
    stats = lines[-4:-1]
    assert stats == [
        "2  DBMT101  error    unknown table",
        "2  DBMT105  error    duplicate definition",
        "1  DBMT605  warning  reference between columns of different types",
    ]
    assert lines[-1] == "4 errors, 1 warning in 1 file (1 file checked)"
    # Machine-readable documents keep stdout to themselves: the table goes to stderr.
    r = run(["--check", "--no-cache", "--statistics", "--output-format", "json"], tmp_path)
    assert len(json.loads(r.stdout)["diagnostics"]) == 5
    assert r.stderr.splitlines() == stats


def test_whole_workspace_reports_on_files_that_were_not_named(tmp_path):
    """The pre-commit hook's mode: a change in one file can break a rule whose diagnostic stands
    in another (here the enum's variant loses its extension table)."""
    write_file(tmp_path, "dbmt.toml", "")
    write_file(tmp_path, "acc/enum.dbmt", "Enum E {\n  A\n  B\n}\n")
    write_file(tmp_path, "ext/ext.dbmt", "Table A {\n  %extension_enum E.A\n  id int [pk]\n}\n")
    only = run(["--check", "--no-cache", "ext/ext.dbmt"], tmp_path)
    assert only.returncode == 0 and only.stdout.splitlines()[-1] == "0 errors, 0 warnings in 0 files (1 file checked)"
    whole = run(["--check", "--no-cache", "--whole-workspace", "ext/ext.dbmt"], tmp_path)
    assert whole.returncode == 1
    assert whole.stdout.splitlines()[0].startswith("acc/enum.dbmt:3:3: error DBMT301 ")
    assert whole.stdout.splitlines()[-1] == "1 error, 0 warnings in 1 file (2 files checked)"


def _run_on_pty(args, cwd, env):
    """Runs the CLI with its stdout on a pseudo-terminal, as a person's shell would."""
    master, slave = pty.openpty()
    p = subprocess.Popen([EXE, *args], cwd=cwd, stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    p.wait(timeout=120)
    return p.returncode, b"".join(chunks).decode()


def test_colour_on_a_terminal_and_no_color(tmp_path):
    write_file(tmp_path, "a.dbmt", DUPLICATE)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env["TERM"] = "xterm"
    rc, out = _run_on_pty(["--check", "--no-cache"], tmp_path, env)
    assert rc == 1
    assert "\x1b[1;31merror\x1b[0m" in out and "\x1b[1mDBMT105\x1b[0m" in out
    rc, plain = _run_on_pty(["--check", "--no-cache"], tmp_path, {**env, "NO_COLOR": "1"})
    assert rc == 1 and "\x1b[" not in plain and "error DBMT105" in plain
    piped = run(["--check", "--no-cache"], tmp_path)  # not a terminal: no colour
    assert "\x1b[" not in piped.stdout
    forced = subprocess.run([EXE, "--check", "--no-cache"], cwd=tmp_path, capture_output=True, text=True,
                            env={**env, "FORCE_COLOR": "1"}, timeout=120)
    assert "\x1b[1;31merror" in forced.stdout
    # Machine formats never carry colour, even on a terminal.
    rc, js = _run_on_pty(["--check", "--no-cache", "--output-format", "json"], tmp_path, env)
    assert "\x1b[" not in js and json.loads(js)["version"] == 1


def test_docs_base_prefers_the_projects_documentation_url(monkeypatch):
    import importlib.metadata as md

    class Meta:
        def get_all(self, name):
            assert name == "Project-URL"
            return ["Source, https://example.org/src", "diagnostic-codes, https://example.org/dbmt/docs/codes"]

    monkeypatch.setattr(md, "metadata", lambda name: Meta())
    diagnostics.docs_base.cache_clear()
    try:
        assert diagnostics.docs_base() == "https://example.org/dbmt/docs/codes/"
        assert diagnostics.docs_url("DBMT301") == "https://example.org/dbmt/docs/codes/DBMT301.md"
    finally:
        diagnostics.docs_base.cache_clear()


def test_docs_base_without_a_url_is_this_checkouts_docs(monkeypatch):
    import importlib.metadata as md

    def missing(name):
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "metadata", missing)
    diagnostics.docs_base.cache_clear()
    try:
        assert diagnostics.docs_base() == (REPO / "docs" / "codes").as_uri() + "/"
    finally:
        diagnostics.docs_base.cache_clear()
    for code in CODES:
        assert diagnostics.docs_page_text(code), f"docs/codes/{code}.md is missing"


def _report_with_shared_related() -> Report:
    """Findings as DBMT105 gives them: some share one tuple of related places, one has its
    own equal tuple, one has none; messages and paths outside ASCII, quotes to escape."""
    def place(line, col, path="s/ü.dbmt"):
        return Place(path, "/abs/" + path, line, col, line, col + 1)
    shared = tuple(RelatedPlace(place(n, 7), "table 'tê\"st' is also defined here") for n in range(2, 6))
    own = tuple(RelatedPlace(place(n, 7), "table 'tê\"st' is also defined here") for n in range(2, 6))
    findings = [Finding("DBMT105", "error", f"table 'tê\"st' 😀 is defined more than once ({i})", place(i, 7), shared)
                for i in range(6, 10)]
    findings += [Finding("DBMT105", "error", "table 'x' is defined more than once", place(1, 1), own),
                 Finding("DBMT001", "warning", "tab\there", place(1, 2, "a.dbmt"))]
    return Report(findings=findings, files=["a.dbmt", "s/ü.dbmt"])


def test_json_and_text_writers_equal_the_plain_renderings_when_related_places_are_shared():
    # The writers encode a shared tuple of related places once; the bytes must be what
    # json.dumps of the whole document, and the line-by-line text, give.
    import io
    report = _report_with_shared_related()
    out = io.StringIO()
    write(report, "json", out, io.StringIO())
    doc = {"version": 1, "files_checked": 2, "diagnostics": [
        {"path": f.place.path, "line": f.place.line, "column": f.place.column, "end_line": f.place.end_line,
         "end_column": f.place.end_column, "severity": f.severity, "code": f.code, "message": f.message,
         "related": [{"path": r.place.path, "line": r.place.line, "column": r.place.column, "message": r.message}
                     for r in f.related]} for f in report.findings]}
    assert out.getvalue() == json.dumps(doc, ensure_ascii=False) + "\n"
    for color in (False, True):
        out = io.StringIO()
        write(report, "text", out, io.StringIO(), color=color, quiet=True)
        paint = (lambda t, code: f"\x1b[{code}m{t}\x1b[0m") if color else (lambda t, code: t)
        expected = ""
        for f in report.findings:
            p = f.place
            sev = {"error": "1;31", "warning": "1;33"}[f.severity]
            expected += (f"{paint(f'{p.path}:{p.line}:{p.column}:', '1')} {paint(f.severity, sev)} "
                         f"{paint(f.code, '1')} {f.message}\n")
            for r in f.related:
                expected += "  " + paint(f"{r.place.path}:{r.place.line}:{r.place.column}: {r.message}", "2") + "\n"
        assert out.getvalue() == expected


def test_positions_from_line_starts_equal_the_line_index_and_json_strings_equal_json_dumps():
    # add_diagnostics converts offsets from the file's line starts itself when the CLI gives
    # them; the places must be LineIndex's, at every offset (line breaks of every kind, a
    # character outside the BMP, before the start and past the end). The json writer formats
    # strings with json's own encoder: quotes, backslashes, control and non-ASCII characters.
    import io
    from dbmt.diagnostics import Diagnostic
    from dbmt.report import add_diagnostics
    from dbmt.syntax.positions import LineIndex

    text = "Table \"a\\b\" {\r\n  id int\r  x 😀 y\n\n  z\t\"q\"\n}"
    li = LineIndex(text)
    path = str(Path("/w/a.dbmt"))
    message = 'bad "x" \\ \t\u0001 é 😀 \u2028'
    diags = [Diagnostic("DBMT001", "error", message, path, s, e)
             for s in range(-2, len(text) + 3) for e in (s, s + 1, s + 4)]

    def pos(p, offset):
        line, col = li.line_col(offset)
        return line + 1, col + 1

    reports = []
    for starts in (None, lambda p: (li.starts, len(li.text))):
        report = Report()
        add_diagnostics(report, diags, pos, Path("/w"), Path("/w"), starts)
        reports.append(report)
    assert reports[0].findings == reports[1].findings
    assert [(f.place.line, f.place.column) for f in reports[1].findings] == [pos(path, d.start) for d in diags]
    out = io.StringIO()
    write(reports[1], "json", out, io.StringIO())
    doc = json.loads(out.getvalue())
    assert out.getvalue() == json.dumps(doc, ensure_ascii=False) + "\n"
    assert {d["message"] for d in doc["diagnostics"]} == {message}
