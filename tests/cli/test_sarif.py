"""`dbmt-lsp --check --output-format sarif`: SARIF 2.1.0 as GitHub code scanning and other
viewers read it, validated by Microsoft's SARIF multitool and by the JSON schema it ships.

The validator is the npm package @microsoft/sarif-multitool (tests/cli/sarif-validator/, pinned
by its package-lock.json), installed here with `npm ci --ignore-scripts`; the package's only
install script makes its shipped Linux binary executable, which `multitool()` does itself.
"""

import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from dbmt.check.registry import CODES
from dbmt.diagnostics import docs_page_text, docs_url

from test_check_cli import REPO, run, write

VALIDATOR_DIR = Path(__file__).parent / "sarif-validator"
PLATFORM_PACKAGE = {"linux": "sarif-multitool-linux", "darwin": "sarif-multitool-darwin"}


def _missing(what: str):
    """A tool the test needs is not there: CI must fail, a developer's machine may skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what} (CI=true: a missing tool fails the test)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def multitool() -> Path:
    package = PLATFORM_PACKAGE.get(sys.platform)
    if package is None:
        _missing(f"the SARIF multitool's npm package has no binary for {sys.platform}")
    binary = VALIDATOR_DIR / "node_modules" / "@microsoft" / package / "Sarif.Multitool"
    lock = VALIDATOR_DIR / "package-lock.json"
    stamp = VALIDATOR_DIR / "node_modules" / ".dbmt-installed-lock"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not binary.is_file() or not stamp.is_file() or stamp.read_text() != wanted:
        npm = shutil.which("npm")
        if npm is None:
            _missing("install Node.js and npm to validate SARIF with @microsoft/sarif-multitool")
        r = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=VALIDATOR_DIR,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0 or not binary.is_file():
            _missing(f"npm ci in {VALIDATOR_DIR} failed: {r.stderr.strip()[-500:]}")
        stamp.write_text(wanted)
    binary.chmod(binary.stat().st_mode | stat.S_IXUSR)
    return binary


def validate(multitool: Path, sarif: Path) -> list[str]:
    """The validator's errors and warnings about `sarif` (its notes are suggestions). Its exit
    status is 0 whatever it finds, so its findings are read from the log it writes."""
    log = sarif.with_name(sarif.name + ".validation.json")
    r = subprocess.run([str(multitool), "validate", str(sarif), "--output", str(log), "--log", "ForceOverwrite",
                        "--level", "Error;Warning", "--rule-kind", "Sarif;Gh"],
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"})
    assert "Analysis completed successfully" in r.stdout, r.stdout + r.stderr
    data = json.loads(log.read_text(encoding="utf-8-sig"))
    (run_,) = data["runs"]
    found = [res for res in run_.get("results", []) if res.get("level", "warning") in ("error", "warning")]
    # The console names each finding in words; the log has ids and arguments.
    lines = [ln for ln in r.stdout.splitlines() if re.search(r": (error|warning) [A-Z]+\d+: ", ln)]
    assert len(lines) == len(found), (lines, found)
    return lines


def schema_errors(multitool: Path, document: dict) -> list[str]:
    """What the SARIF 2.1.0 JSON schema that the multitool ships says about `document`."""
    schema = json.loads((multitool.parent / "sarif-2.1.0.json").read_text(encoding="utf-8-sig"))
    cls = jsonschema.validators.validator_for(schema)
    v = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(document)]


def sarif_of(args, cwd) -> tuple[dict, str, int]:
    r = run(["--check", "--no-cache", "--output-format", "sarif", *args], cwd)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout), r.stdout, r.returncode


def test_validators_do_catch_a_broken_document(multitool, tmp_path):
    """Neither validator may pass what it cannot read: a broken document must be reported."""
    write(tmp_path, "a.dbmt", "Table a {\n  x int [ref: > nope.id]\n}\n")
    doc, _, _ = sarif_of([], tmp_path)
    broken = json.loads(json.dumps(doc))
    res = broken["runs"][0]["results"][0]
    del res["message"]
    res["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    path = tmp_path / "broken.sarif"
    path.write_text(json.dumps(broken), encoding="utf-8")
    problems = validate(multitool, path)
    assert any("JSON1002" in p and "'message'" in p for p in problems), problems
    assert any("JSON1008" in p for p in problems), problems
    assert len(schema_errors(multitool, broken)) >= 2
    # The multitool reads an unknown enum value as nothing at all and then reports nothing:
    # the schema check is what catches it.
    res["message"] = {"text": "x."}
    res["locations"][0]["physicalLocation"]["region"]["startLine"] = 1
    res["level"] = "fatal"
    assert any("fatal" in e for e in schema_errors(multitool, broken))


def test_sarif_of_every_fixture_is_valid(multitool, tmp_path):
    doc, text, rc = sarif_of([str(REPO / "tests" / "fixtures")], REPO)
    assert rc == 1
    path = tmp_path / "fixtures.sarif"
    path.write_text(text, encoding="utf-8")
    results = doc["runs"][0]["results"]
    assert len({r["ruleId"] for r in results}) >= 35 and any(r.get("relatedLocations") for r in results)
    assert {r["level"] for r in results} == {"error", "warning", "note"}
    assert schema_errors(multitool, doc) == []
    assert validate(multitool, path) == []


def test_sarif_with_paths_outside_the_working_directory_is_valid(multitool, tmp_path):
    write(tmp_path, "ws/a.dbmt", "Table a {\n  id int [pk]\n}\nTable a {\n  x int\n}\n")
    (tmp_path / "elsewhere").mkdir()
    doc, text, _ = sarif_of(["../ws"], tmp_path / "elsewhere")
    loc = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": (tmp_path / "ws" / "a.dbmt").resolve().as_uri()}
    path = tmp_path / "out.sarif"
    path.write_text(text, encoding="utf-8")
    assert schema_errors(multitool, doc) == []
    assert validate(multitool, path) == []


def test_one_rule_per_code():
    doc, _, _ = sarif_of([], REPO / "examples")
    (run_,) = doc["runs"]
    assert doc["version"] == "2.1.0" and run_["results"] == []
    driver = run_["tool"]["driver"]
    assert driver["name"] == "dbmt" and driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == sorted(CODES)
    levels = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}
    for rule in rules:
        severity, title = CODES[rule["id"]]
        assert rule["defaultConfiguration"] == {"level": levels[severity]}
        assert rule["shortDescription"]["text"].lower().rstrip(".") == title.lower()
        assert rule["helpUri"] == docs_url(rule["id"])
        assert re.fullmatch(r"(?:[A-Z][a-z0-9]*)+", rule["name"]), rule["name"]
        assert rule["help"]["markdown"] == docs_page_text(rule["id"])
        assert rule["fullDescription"]["text"].endswith(".")
    by_id = {r["id"]: r for r in rules}
    assert by_id["DBMT306"]["defaultConfiguration"]["level"] == "warning"
    assert by_id["DBMT403"]["defaultConfiguration"]["level"] == "note"
    assert by_id["DBMT603"]["name"] == "SqlSyntaxErrorInExpression"


def test_results_locations_related_and_levels(tmp_path):
    write(tmp_path, "dbmt.toml", "[severity]\nDBMT101 = 'info'\n")
    write(tmp_path, "s/a.dbmt", "Table a {\n  id int [pk]\n}\nTable a {\n  x int\n}\n"
                                "Table b {\n  x int [ref: > nope.id]\n  y bigint [ref: > a.id]\n}\n")
    doc, _, rc = sarif_of([], tmp_path)
    assert rc == 1
    (run_,) = doc["runs"]
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tmp_path.resolve().as_uri() + "/"}}
    assert run_["columnKind"] == "unicodeCodePoints"
    rules = run_["tool"]["driver"]["rules"]
    results = run_["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("DBMT105", "error"), ("DBMT105", "error"), ("DBMT101", "note"), ("DBMT605", "warning")]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["message"]["text"].endswith(".")
    first = results[0]
    assert first["message"]["text"] == "table 'a' is defined more than once (also in this file)."
    assert first["locations"] == [{"physicalLocation": {
        "artifactLocation": {"uri": "s/a.dbmt", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 1, "startColumn": 7, "endLine": 1, "endColumn": 8}}}]
    assert first["relatedLocations"] == [{"id": 1, "physicalLocation": {
        "artifactLocation": {"uri": "s/a.dbmt", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 4, "startColumn": 7, "endLine": 4, "endColumn": 8}},
        "message": {"text": "table 'a' is also defined here."}}]
    assert "relatedLocations" not in results[2]
    prints = [r["fingerprints"]["dbmt/v1"] for r in results]
    assert len(set(prints)) == 4  # the two DBMT105 with one message differ by rank
    assert run_["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]


def test_fingerprints_survive_moves_and_follow_the_finding(tmp_path):
    text = "Table b {\n  x int [ref: > nope.id]\n  y int [ref: > other.id]\n}\n"
    a = write(tmp_path, "a.dbmt", text)
    doc, _, _ = sarif_of([], tmp_path)
    before = {r["message"]["text"]: r["fingerprints"]["dbmt/v1"] for r in doc["runs"][0]["results"]}
    a.write_text("// moved down\n\n\n" + text, encoding="utf-8")
    doc, _, _ = sarif_of([], tmp_path)
    moved = doc["runs"][0]["results"]
    assert moved[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    assert {r["message"]["text"]: r["fingerprints"]["dbmt/v1"] for r in moved} == before
    a.write_text(text.replace("other", "another"), encoding="utf-8")
    doc, _, _ = sarif_of([], tmp_path)
    after = {r["message"]["text"]: r["fingerprints"]["dbmt/v1"] for r in doc["runs"][0]["results"]}
    assert after["unknown table 'nope'."] == before["unknown table 'nope'."]
    assert before["unknown table 'other'."] not in after.values()
    # The path counts from the workspace root, so the working directory does not change it.
    sub = tmp_path / "sub"
    sub.mkdir()
    doc, _, _ = sarif_of(["../"], sub)
    assert {r["message"]["text"]: r["fingerprints"]["dbmt/v1"] for r in doc["runs"][0]["results"]} == after
