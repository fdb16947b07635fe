"""Every mark of the mark table has documentation, and its examples are marks the checker knows."""

from dbmt.check.mark_docs import MARK_DOCS
from dbmt.check.marks import MARKS
from dbmt.check.registry import CODES


def test_every_mark_is_documented_with_known_codes():
    assert set(MARK_DOCS) == set(MARKS)
    for name, doc in MARK_DOCS.items():
        assert doc.summary and doc.where and doc.arguments == MARKS[name].describe
        assert f"%{name}" in doc.example
        assert doc.codes and all(c in CODES for c in doc.codes)
