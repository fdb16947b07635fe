"""Every fixture under tests/fixtures/<family>/ reports exactly the diagnostics it expects."""

import pytest

from fixture_runner import describe_mismatch, fixture_cases, run_case

CASES = fixture_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture(case):
    exp, got, ws = run_case(case)
    if exp != got:
        pytest.fail(f"{case}:\n" + describe_mismatch(exp, got, ws), pytrace=False)


def test_every_code_has_positive_and_silent_fixture():
    """Each implemented code appears in some fixture's expectations (positive case)."""
    from dbmt.check import load_rules
    from dbmt.check.registry import RULES
    load_rules()
    implemented = {c for _, codes, _ in RULES for c in codes} | {"DBMT001"}
    seen = set()
    for case in CASES:
        exp, _, _ = run_case(case)
        seen |= {k[2] for k in exp}
    missing = sorted(implemented - seen)
    assert not missing, f"codes with no positive fixture: {missing}"
