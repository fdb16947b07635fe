"""Every fixture under tests/fixtures/<family>/ reports exactly the diagnostics it expects."""

import pytest

from fixture_runner import describe_mismatch, fixture_cases, run_case

CASES = fixture_cases()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.parent.name}/{c.name}" for c in CASES])
def test_fixture(case):
    exp, got, ws = run_case(case)
    if exp != got:
        pytest.fail(f"{case}:\n" + describe_mismatch(exp, got, ws), pytrace=False)


# Codes no fixture can produce, and the test that does instead.
NOT_FROM_A_FIXTURE = {
    # A wall-clock limit only the language server sets (Config.analysis_deadline_s, never read from
    # a config file): a fixture's answer must not depend on the machine.
    "DBMT901": "tests/check/test_analysis_budget.py",
}


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
    missing = sorted(implemented - seen - set(NOT_FROM_A_FIXTURE))
    assert not missing, f"codes with no positive fixture: {missing}"
