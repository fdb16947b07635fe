"""What a .dbml file sees (§3): its own names, and what its `use` lines import; the multi-team
default belongs to .dbmt files. Checked after edits against a fresh load."""

import random
from pathlib import Path

import pytest

from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

SCHEMA = """Enum Lang {
  en
  de
}
Table customers {
  id int [pk]
  lang Lang [default: 'en']
}
Table orders {
  id int [pk]
  customer_id int [ref: > customers.id]
}
TableGroup sales {
  customers
  orders
}
"""


def open_ws(root: Path) -> Workspace:
    return Workspace.open(root, config=Config(root=root))


def dump(ws: Workspace) -> dict:
    return {p: sorted((d.code, d.severity, d.start, d.end, d.message, tuple((r.path, r.start, r.end) for r in d.related))
                      for d in ds) for p, ds in ws.all_diagnostics().items()}


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")


def test_side_by_side_schemas_do_not_clash(tmp_path):
    write(tmp_path, {"schema.dbml": SCHEMA, "schema_v2.dbml": SCHEMA.replace("en\n  de", "fr")
                     .replace("default: 'en'", "default: 'fr'")})
    ws = open_ws(tmp_path)
    assert dump(ws) == {str(tmp_path / "schema.dbml"): [], str(tmp_path / "schema_v2.dbml"): []}


def test_a_dbml_file_sees_what_it_imports(tmp_path):
    write(tmp_path, {"schema.dbml": SCHEMA,
                     "report.dbml": "Table report {\n  id int [pk]\n  order_id int [ref: > orders.id]\n}\n"})
    ws = open_ws(tmp_path)
    assert [d.code for d in ws.diagnostics_for(str(tmp_path / "report.dbml"))] == ["DBMT101"]
    ws.update_file(str(tmp_path / "report.dbml"),
                   "use { table orders } from './schema'\n" + (tmp_path / "report.dbml").read_text())
    assert ws.diagnostics_for(str(tmp_path / "report.dbml")) == []


def test_a_dbmt_file_without_use_still_sees_everything(tmp_path):
    """The multi-team view of a .dbmt file: two .dbml definitions of one name are ambiguous
    there (DBMT105 on its own definition), but the .dbml files themselves stay clean."""
    write(tmp_path, {"schema.dbml": SCHEMA, "schema_v2.dbml": SCHEMA,
                     "team.dbmt": "Table customers {\n  id int [pk]\n}\nTable t {\n  c int [ref: > orders.id]\n}\n"})
    ws = open_ws(tmp_path)
    assert ws.diagnostics_for(str(tmp_path / "schema.dbml")) == []
    assert ws.diagnostics_for(str(tmp_path / "schema_v2.dbml")) == []
    assert [d.code for d in ws.diagnostics_for(str(tmp_path / "team.dbmt"))] == ["DBMT105"]


EDITS = [
    ("schema.dbml", "use * from './schema_v2'\n"), ("schema_v2.dbml", "use { table orders } from './schema'\n"),
    ("team.dbmt", "use * from './schema'\n"), ("team.dbmt", "Table orders {\n  id int [pk]\n}\n"),
    ("schema.dbml", "Enum Lang {\n  xx\n}\n"), ("schema_v2.dbml", "Table extra {\n  l Lang [default: 'de']\n}\n"),
    ("schema.dbml", "Ref: orders.customer_id > customers.id\n"), ("team.dbmt", "TableGroup g2 {\n  orders\n}\n"),
]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_edits_match_a_fresh_load(tmp_path, seed):
    write(tmp_path, {"schema.dbml": SCHEMA, "schema_v2.dbml": SCHEMA, "team.dbmt": "Table t {\n  id int [pk]\n}\n"})
    ws = open_ws(tmp_path)
    rnd = random.Random(seed)
    for _ in range(25):
        rel, piece = rnd.choice(EDITS)
        p = tmp_path / rel
        text = ws.text_of(str(p))
        if rnd.random() < 0.3 and piece in text:
            text = text.replace(piece, "", 1)  # take a line back out
        else:
            lines = text.splitlines(keepends=True)
            at = rnd.choice([i for i, ln in enumerate(lines + [""]) if i == len(lines) or not ln.startswith(" ")])
            text = "".join(lines[:at]) + piece + "".join(lines[at:])
        ws.update_file(str(p), text)
        p.write_text(text, encoding="utf-8")
        assert dump(ws) == dump(open_ws(tmp_path)), (rel, piece)
