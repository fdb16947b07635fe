"""The short slice of the engine fuzzer (the long run is bench/fuzz.py): a few hundred
derandomized inputs of each source through the whole engine (engine_run.run_case), and every
pathological shape at a size where a superlinear engine exceeds the linear work bound.

Every shape passes the bound: the last six superlinear ones (same-named tables nested or opened
by unclosed strings, many variants under %extension, many tables in one %require_columns group)
became linear when DBMT105, the extension columns and the group contracts stopped comparing
every pair (see bench/README.md "Fuzzing")."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from engine_run import DEFAULT_BUDGET, EXCEPTION, WORK, Case, Edit, run_case
from fuzz_inputs import SHAPES, fixture_units, generated_cases, mutated_cases, pathological_case, pathological_cases

SLICE = settings(derandomize=True, database=None, deadline=None, max_examples=120,
                 suppress_health_check=list(HealthCheck))


def no_failures(case: Case) -> None:
    failures = run_case(case)
    assert not failures, f"{case.source} {case.label}: " + "\n".join(map(str, failures))


@SLICE
@given(generated_cases())
def test_generated_workspaces(case):
    no_failures(case)


@SLICE
@given(mutated_cases())
def test_mutated_fixtures(case):
    no_failures(case)


@settings(SLICE, max_examples=60)
@given(pathological_cases(max_n=60))
def test_small_pathological_shapes(case):
    no_failures(case)


@pytest.mark.parametrize("name", [u[0] for u in fixture_units()])
def test_every_fixture_within_the_bounds(name):
    """The fixtures the bound is calibrated on pass it, with an edit in the middle of a file."""
    files = dict(dict(fixture_units())[name])
    rel = sorted(r for r in files if r.endswith((".dbmt", ".dbml")))[0]
    no_failures(Case(files, Edit(rel, len(files[rel]) // 2, 0, "\n}\n"), "fixture", name))


# The size at which each shape is tried: 400, more for the shapes whose growth is slower (their
# calls per byte pass the bound only later).
SIZE = {"backtick-openers": 1200, "many-variants": 1500}


@pytest.mark.parametrize("kind", SHAPES)
def test_pathological_shape_is_linear(kind):
    """At n=400 a shape of linear cost takes a few calls per byte; a quadratic one hundreds,
    past the bound (DEFAULT_BUDGET.per_byte). The load alone: edits of these shapes are in
    test_small_pathological_shapes."""
    case = pathological_case(kind, SIZE.get(kind, 400), 0.5, "}")
    case.edit = None
    failures = run_case(case)
    assert not [f for f in failures if f.kind == EXCEPTION], failures
    assert not failures, f"{kind}: " + "\n".join(map(str, failures))


def test_the_work_bound_catches_a_quadratic_engine(monkeypatch):
    """The bound is not vacuous: an engine that does quadratic work on every file fails it."""
    from dbmt.workspace import index

    original = index.FileModel.__init__

    def quadratic(self, path, parsed, is_dbml):
        original(self, path, parsed, is_dbml)
        text = parsed.text
        step = (lambda: None)  # a Python call: what the counter counts
        for _i in range(len(text)):
            for _j in range(0, len(text), 64):
                step()

    monkeypatch.setattr(index.FileModel, "__init__", quadratic)
    text = "".join(f"Table t{i} {{\n  id int [pk]\n}}\n" for i in range(200))
    failures = run_case(Case({"a.dbmt": text.encode()}))
    assert [f.kind for f in failures] == [WORK], failures
    assert DEFAULT_BUDGET.per_byte < 100


def test_an_unclosed_brace_before_crlf_lines_reports_inside_its_chunk():
    """Found by the long run (bench/fuzz.py, seed 1): `{` typed before blank CRLF lines. The
    repair's appended `}` lies past the chunk, and an error ending there fell between a CR and
    its LF, a place no LSP position names."""
    no_failures(Case({"a.dbmt": b"\n\r\n\r\n"}, Edit("a.dbmt", 0, 0, "{"), "regression", "brace-before-crlf"))
    no_failures(Case({"a.dbmt": b"Table t {\r\n  id int\r\n\r\n"}))


def test_a_backtick_inside_a_mark_argument_costs_one_repair():
    """Found by the long run (seed 2): `%access co`nfidential` — the lexer reads the backtick as
    part of the mark, the chunk scanner read it as opening an expression. The scanner now reads
    marks as the lexer does (blocks._SCAN), and the repair of an element the two views still
    disagreed on asks the lexer what is open (one round, not one per character)."""
    from dbmt.syntax import parse_text

    text = "TableGroup g {\n  %access co`x\n}\nTable t {\n  checks {\n    `now()`\n  }\n" + "  c int\n" * 200 + "}\n"
    pf = parse_text(text, cache=None)
    assert pf.errors == [] and [el.kind for el in pf.elements] == ["group", "table"]
    assert len(pf.elements[1].columns) == 200
    no_failures(Case({"a.dbmt": text.encode()}))


def test_several_boms_then_an_edit_matches_a_fresh_load():
    """Found by the long run (seed 4): the harness wrote the edited text with its leading BOM
    already dropped, and the fresh load dropped one more; the disk gets the text as saved."""
    no_failures(Case({"a.dbmt": "\ufeff\ufeff\ufeff\r\n".encode()}, Edit("a.dbmt", 3, 1, "'''"), "regression", "boms"))
