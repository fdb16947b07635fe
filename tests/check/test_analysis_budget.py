"""The constraint analysis counts work, not time: one input gives one answer on every machine.

The budget is in steps (`analysis-budget`, DBMT315 when used up); a wall-clock deadline exists for
the language server only (Config.analysis_deadline_s, DBMT901) and is never read by the CLI. No
test here measures time: each checks what was computed and how many steps it took.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import dbmt.check.constraints as constraints
from dbmt.check.constraints import DEFAULT_BUDGET, PHASES, ConstraintMark as M, analyze
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config, ConfigError, load_config

FIXTURES = Path(__file__).parent.parent / "fixtures"
BUDGET_FIXTURE = FIXTURES / "extensions" / "budget_reached"
DATA = Path(__file__).parent / "data"


def enum_of(path: Path) -> tuple[list[str], list[M]]:
    """The variants and incompatible marks of the one enum of a fixture file."""
    text = path.read_text(encoding="utf-8")
    variants = re.findall(r"^  (V\d+)$", text, re.M)
    marks = [M("incompatible", tuple(line.split())) for line in re.findall(r"^  %extensions_incompatible (.*)$", text, re.M)]
    return variants, marks


def hard_64() -> tuple[list[str], list[M]]:
    lines = [ln for ln in (DATA / "incompatible_64x100.txt").read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    return [f"V{i}" for i in range(64)], [M("incompatible", tuple(ln.split())) for ln in lines]


@pytest.fixture(scope="module")
def budget_enum():
    return enum_of(BUDGET_FIXTURE / "big.dbmt")


def test_same_work_every_run_and_the_budget_is_exact(budget_enum):
    variants, marks = budget_enum
    full = analyze(variants, marks)
    assert full.stopped is None and full.count == 73356608
    again = analyze(variants, marks)
    assert (again.work, again.count) == (full.work, full.count)
    # The budget is a number of steps, to the step: exactly enough finishes, one less does not.
    assert analyze(variants, marks, budget=full.work).stopped is None
    short = analyze(variants, marks, budget=full.work - 1)
    assert short.stopped == "budget" and short.stopped_in == "count" and short.count is None
    assert short.satisfiable is True and short.dead == {}  # the phases before the count stand


def test_a_stopped_phase_leaves_nothing_partial():
    # V0 is required; V1..V6 each exclude it, so six dead variants to explain; V7 is free.
    v = [f"V{i}" for i in range(8)]
    marks = [M("required", ("V0",))] + [M("exclusive", ("V0", f"V{i}")) for i in range(1, 7)]
    full = analyze(v, marks)
    assert full.stopped is None and len(full.dead) == 6 and full.count == 2
    seen = set()
    for budget in range(1, full.work + 1):
        r = analyze(v, marks, budget=budget)
        if r.stopped is None:
            assert budget == full.work and (r.dead, r.count, r.work) == (full.dead, full.count, full.work)
            break
        seen.add(r.stopped_in)
        assert r.stopped == "budget" and r.stopped_in in PHASES and r.work > budget
        done = PHASES.index(r.stopped_in)
        if done <= PHASES.index("satisfiability"):
            assert r.satisfiable is None
        if done <= PHASES.index("dead variants"):
            assert r.dead == {}
        else:
            assert r.dead == full.dead
        assert r.count is None
    assert {"requires cycles", "dead variants", "count"} <= seen


def test_unsatisfiable_budget_stops_in_the_conflict_but_the_answer_stands():
    v = list("ABC")
    marks = [M("required", ("A",)), M("requires", ("A", "B")), M("exclusive", ("A", "B"))]
    full = analyze(v, marks)
    assert full.satisfiable is False and full.conflict == [0, 1, 2]
    for budget in range(1, full.work):
        r = analyze(v, marks, budget=budget)
        if r.stopped_in == "conflict":
            assert r.satisfiable is False and r.conflict == [] and r.count == 0
            break
    else:
        pytest.fail("no budget stopped in the conflict phase")


def test_the_default_budget_finishes_the_hard_64_variant_enum():
    """The enum of the former fixture extensions/gave_up/big.dbmt: a 1 s time budget finished it
    or not depending on the machine's load. Now it is always exact, well within the default."""
    variants, marks = hard_64()
    r = analyze(variants, marks)
    assert r.stopped is None and r.count == 159857578346304
    assert r.work * 4 < DEFAULT_BUDGET


def test_no_deadline_never_reads_the_clock(budget_enum, monkeypatch):
    def no_clock():
        raise AssertionError("the clock was read without a deadline")

    monkeypatch.setattr(constraints.time, "perf_counter", no_clock)
    r = analyze(*budget_enum)
    assert r.stopped is None


def test_a_passed_deadline_stops_as_deadline_not_budget(budget_enum):
    # Deadline 0 s: passed at the first look at the clock, which comes after CLOCK_EVERY steps.
    r = analyze(*budget_enum, deadline_s=0.0)
    assert r.stopped == "deadline" and r.stopped_in == "count" and r.count is None
    assert constraints.CLOCK_EVERY <= r.work < constraints.CLOCK_EVERY + 1000


def test_budget_must_be_a_positive_integer():
    for bad in (0, -5, 1.5, True):
        with pytest.raises(ValueError):
            analyze(["A"], [], budget=bad)


# -- through the checker -----------------------------------------------------------------------------
def diags(root: Path, config: Config):
    ws = Workspace.open(root, config=config)
    return [d for ds in ws.all_diagnostics().values() for d in ds]


def test_fixture_reports_dbmt315_with_its_budget_and_phase():
    cfg = load_config(BUDGET_FIXTURE, BUDGET_FIXTURE / "dbmt.toml")
    assert cfg.analysis_budget == 5000
    got = [d for d in diags(BUDGET_FIXTURE, cfg) if d.code in ("DBMT315", "DBMT309", "DBMT901", "DBMT900")]
    assert [d.code for d in got] == ["DBMT315"]
    d = got[0]
    assert d.severity == "warning"
    assert d.message == ("the constraint analysis of enum 'Big' used up its work budget of 5,000 steps "
                         "(analysis-budget) while counting its legal combinations: the count is unknown, "
                         "so DBMT309 is not checked")
    assert d.data["phase"] == "count" and d.data["budget"] == 5000


def test_same_fixture_under_the_default_budget_gives_its_exact_count():
    got = [d for d in diags(BUDGET_FIXTURE, Config(root=BUDGET_FIXTURE.resolve())) if d.code.startswith("DBMT3")]
    assert [d.code for d in got] == ["DBMT309"]
    assert "admits 73356608 legal combinations" in got[0].message


def test_language_server_deadline_is_dbmt901():
    cfg = Config(root=BUDGET_FIXTURE.resolve())
    cfg.analysis_deadline_s = 0.0
    got = [d for d in diags(BUDGET_FIXTURE, cfg) if d.code in ("DBMT315", "DBMT309", "DBMT901")]
    assert [d.code for d in got] == ["DBMT901"]
    assert got[0].severity == "information"
    assert "cut short by the language server's time limit (0 s) while counting its legal combinations" in got[0].message
    assert "'dbmt-lsp --check' runs it without a time limit" in got[0].message


# -- configuration -----------------------------------------------------------------------------------
def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dbmt.toml").write_text(text, encoding="utf-8")
    return tmp_path / "dbmt.toml"


def test_config_reads_analysis_budget(tmp_path):
    cfg = load_config(tmp_path, write(tmp_path, "analysis-budget = 250_000\n"))
    assert cfg.analysis_budget == 250000 and cfg.analysis_deadline_s is None
    assert load_config(tmp_path, None).analysis_budget == DEFAULT_BUDGET


@pytest.mark.parametrize("text,message", [
    ("analysis-budget-ms = 1000\n", "'analysis-budget-ms' is no longer read: the constraint analysis counts work"),
    ("analysis-budget = 0\n", "'analysis-budget' must be a positive integer"),
    ("analysis-budget = 2.5\n", "'analysis-budget' must be a positive integer"),
    ("analysis-deadline = 2\n", "unknown key 'analysis-deadline'"),
])
def test_config_rejects(tmp_path, text, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(tmp_path, write(tmp_path, text))


def test_checker_counts_a_1200_variant_exclusive_enum_exactly(tmp_path):
    """The issue's shape through the whole checker: an enum under one `%extension_exclusive
    ALL_EXTS`, every variant with its extension table; exact count, no budget notice."""
    n = 1200
    lines = ["Enum Big {"] + [f"  V{i}" for i in range(n)] + ["  %extension_exclusive ALL_EXTS", "}"]
    for i in range(n):
        lines += [f"Table T{i} {{", f"  %extension_enum Big.V{i}", "  id int [pk]", "  label text", "}"]
    (tmp_path / "big.dbmt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    got = diags(tmp_path, Config(root=tmp_path.resolve()))
    assert [(d.code, d.message) for d in got] == [
        ("DBMT309", "enum 'Big' admits 1201 legal combinations, more than the configured extension-limit 1024")]
