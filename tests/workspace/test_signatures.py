"""A file's signatures cost its length: each element's text is digested once, however many keys
it is signed under (a group's body stands for every table it lists)."""

from __future__ import annotations

from dbmt.syntax import parse_text
from dbmt.workspace import index


def _group_of(n: int) -> str:
    return ("".join(f"Table t{i} {{\n  id int [pk]\n}}\n" for i in range(n))
            + "TableGroup g {\n  %require_columns id\n" + "".join(f"  t{i}\n" for i in range(n)) + "}\n")


def _digested(monkeypatch, text: str) -> tuple[int, dict]:
    total = 0
    real = index._digest

    def counting(t: str) -> bytes:
        nonlocal total
        total += len(t)
        return real(t)

    monkeypatch.setattr(index, "_digest", counting)
    fm = index.FileModel("/ws/a.dbmt", parse_text(text), False)
    return total, fm.signatures


def test_a_group_listing_every_table_is_digested_once(monkeypatch):
    for n in (100, 400):
        text = _group_of(n)
        chars, sigs = _digested(monkeypatch, text)
        # Every table's body once, the group's body once, the exports line: about the text's
        # length. Digesting the group's body once per table it lists was n times its length
        # (at 1 MB, 27,000 members: 1 MB group check 7 s → 15 s).
        assert chars <= 2 * len(text), (n, chars, len(text))
        assert len([k for k in sigs if k.startswith("groupmention:")]) == n


def test_a_key_of_several_texts_changes_when_one_of_them_does():
    a = index.FileModel("/ws/a.dbmt", parse_text("Ref: a.x > b.y\nRef: c.x > d.y\n"), False)
    b = index.FileModel("/ws/a.dbmt", parse_text("Ref: a.x > b.y\nRef: c.x > d.z\n"), False)
    c = index.FileModel("/ws/a.dbmt", parse_text("Ref: a.x > b.y\nRef: c.x > d.y\n"), False)
    assert a.signatures["refs:*"] != b.signatures["refs:*"]
    assert a.signatures["refs:*"] == c.signatures["refs:*"]
    assert a.signatures["refmention:a"] == b.signatures["refmention:a"]
    # One text alone and the same text as one of several are different signatures.
    one = index.FileModel("/ws/a.dbmt", parse_text("Ref: a.x > b.y\n"), False)
    assert one.signatures["refs:*"] != a.signatures["refs:*"]
