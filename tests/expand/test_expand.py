"""`--expand` (§9): every error-free workspace becomes one plain DBML document that the official
toolchain (@dbml/core under node) accepts and exports to PostgreSQL and MySQL; the example's
PostgreSQL is compared with a golden file; the document holds the engine's model (generated
columns, events tables, groups, names across files)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dbmt.expand import ExpandError, Expander, expand_workspace
from dbmt.syntax import parse_text
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config, find_root, load_config
from fixture_runner import fixture_cases, run_case
from node_tools import require_package, run_node

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "shop"
COLLISIONS = REPO / "tests" / "fixtures" / "expand" / "collisions"
GOLDEN = Path(__file__).parent / "golden" / "shop.postgres.sql"


def open_dir(path: Path) -> Workspace:
    found = find_root(path)
    return Workspace.open(found.path, config=load_config(found.path, found.config_file))


def error_free_workspaces() -> list[tuple[str, Workspace]]:
    """The example, every fixture workspace without error-level diagnostics, and a generated
    benchmark workspace (extension enums of many variants, relations, events, groups)."""
    out = [("examples/shop", open_dir(EXAMPLE))]
    for case in fixture_cases():
        _exp, _got, ws = run_case(case)
        if not ws.has_errors():
            out.append((str(case.relative_to(REPO)), ws))
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Workspace:
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    out = tmp_path_factory.mktemp("gen") / "ws"
    generate.generate(150, 15, seed=11, out_dir=str(out), quiet=True)
    return open_dir(out)


@pytest.fixture(scope="module")
def expansions(generated) -> dict[str, str]:
    cases = error_free_workspaces() + [("bench/generate.py 150 tables", generated)]
    return {name: expand_workspace(ws) for name, ws in cases}


@pytest.fixture(scope="module")
def official(expansions) -> dict:
    require_package("@dbml/core")
    return run_node("dbml_export.mjs", [{"name": k, "text": v} for k, v in expansions.items()])


# Inputs the two official tools disagree on: @dbml/parse (the compiler, whose verdict dbmt follows)
# accepts them, @dbml/core's Database model refuses them, so their expansion is refused too. The
# test checks that @dbml/core still refuses them for that reason (when it stops, drop the entry).
CORE_REFUSES = {
    "tests/fixtures/dbml/partial_ref_through_injection.dbml":
        "Two endpoints are the same",  # a reference a column receives through ~partial points at itself
}


def test_every_error_free_workspace_is_accepted_and_exported(expansions, official):
    # The example, 15 fixture workspaces (single files and folders) and the generated one.
    assert len(expansions) >= 17, sorted(expansions)
    bad = {k: v["errors"] for k, v in official.items() if not v["ok"] and k not in CORE_REFUSES}
    assert not bad, bad
    for k, why in CORE_REFUSES.items():
        assert not official[k]["ok"] and any(why in e for e in official[k]["errors"]), (k, official[k])
    official = {k: v for k, v in official.items() if k not in CORE_REFUSES}
    tables = 0
    for name, res in official.items():
        assert res["postgres"].strip(), name  # (MySQL has no enum types: enum-only files give none)
        tables += "CREATE TABLE" in res["postgres"] and "CREATE TABLE" in res["mysql"]
    assert tables >= len(official) - 2


def test_example_postgres_matches_golden(official):
    sql = official["examples/shop"]["postgres"]
    if os.environ.get("DBMT_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(sql, encoding="utf-8")
    assert sql == GOLDEN.read_text(encoding="utf-8"), \
        "the example's PostgreSQL changed; DBMT_UPDATE_GOLDEN=1 rewrites tests/expand/golden/shop.postgres.sql"


def test_expansion_is_plain_dbml_for_dbmt_too(expansions):
    """dbmt reads the document as a .dbml file with no error and no mark left."""
    for name, text in expansions.items():
        pf = parse_text(text)
        assert not pf.errors, (name, [e.message for e in pf.errors][:3])
        assert not pf.marks, (name, [text[m.start:m.end] for m in pf.marks][:3])


def _tables(text: str) -> dict[str, object]:
    out = {}
    for el in parse_text(text).elements:
        if el.kind in ("table", "partial") and el.name is not None:
            out[el.name.text] = el
    return out


def test_columns_are_the_engines_model(expansions, generated):
    """Every table of the document has exactly the columns the engine's model gives it
    (ctx.columns: declared, injected, generated; events tables: EventsTable.columns)."""
    checked = 0
    for name, ws in error_free_workspaces() + [("generated", generated)]:
        ex = Expander(ws)
        doc = ex.document()
        tables = _tables(doc)
        partial_cols = {t.name.text: [c.name.text for c in t.columns] for t in tables.values() if t.kind == "partial"}
        for ent in ex.entities:
            if ent.kind != "table":
                continue
            out = tables[ent.out.strip('"').replace('"."', ".")]
            got = [c.name.text for c in out.columns]
            for inj in out.injections:
                got += [c for c in partial_cols[inj.text] if c not in got]
            if ent.events is not None:
                want = [c.name.text for c in ent.events.columns]
            else:
                want = [c.name.text for c in ex.columns(ent.defn)]
            assert sorted(got) == sorted(want), (name, ent.out)
            checked += 1
    assert checked > 150


def test_shop_generated_elements():
    doc = expand_workspace(open_dir(EXAMPLE))
    t = _tables(doc)
    rel = t["RelShoeSupportsExt"]
    cols = {c.name.text: c for c in rel.columns}
    assert [c.name.text for c in rel.columns] == ["id", "from_shoe_id", "opt_to_skeeing_ext_id",
                                                  "opt_to_running_ext_id", "opt_to_led_ext_id", "ext"]
    ref = cols["opt_to_led_ext_id"].setting("ref").ref
    assert (ref.op, ref.target.table.text, ref.target.columns[0].text) == (">", "LedExt", "id")
    assert cols["opt_to_led_ext_id"].setting("null") is not None
    assert cols["ext"].type_text == "AccessoryExtType"
    assert "generated by %extension AccessoryExtType" in cols["opt_to_led_ext_id"].setting("note").value.text
    assert "%relation_source" in cols["from_shoe_id"].setting("note").value.text
    ev = t["ShoeEvents"]
    assert [(c.name.text, c.type_text) for c in ev.columns] == [
        ("id", "key_t"), ("shoe_id", "key_t"), ("shoe_size_cm", "u32"), ("name", "varchar"), ("action", "EventAction")]
    assert ev.columns[0].is_pk and ev.columns[1].setting("ref").ref.target.table.text == "Shoes"
    assert "display name" in ev.columns[3].setting("note").value.text  # the base column's note is kept
    assert "events table of Shoes" in ev.notes[0].text
    # The %events_for table is merged into the events table it adds to.
    mcu = t["ShoeMCUEvents"]
    assert [c.name.text for c in mcu.columns][-2:] == ["opt_heat_system_event_id", "opt_bluetooth_event_id"]
    assert len([el for el in parse_text(doc).elements if el.kind == "table" and el.name.text == "ShoeMCUEvents"]) == 1
    enums = {el.name.text: el for el in parse_text(doc).elements if el.kind == "enum"}
    assert [v.name.text for v in enums["EventAction"].values] == ["insert", "update", "delete", "seek", "delegate"]
    groups = {el.name.text: el for el in parse_text(doc).elements if el.kind == "group"}
    assert "%access internal" in groups["GrRelPosts"].notes[0].text
    assert "access internal (from TableGroup GrRelPosts)" in t["RelUserPosts"].notes[0].text


def test_names_across_files_stay_unambiguous():
    ws = open_dir(COLLISIONS)
    assert not ws.has_errors()
    doc = expand_workspace(ws)
    t = _tables(doc)
    # Three files define `users` without seeing each other: each is renamed after its file.
    assert {"users__a_schema", "users__b_schema", "users__teams_core"} <= set(t)
    assert "users" not in t
    assert t["posts"].column("user_id").setting("ref").ref.target.table.text == "users__a_schema"
    assert t["core.accounts"].column("owner_id").setting("ref").ref.target.table.text == "users__teams_core"
    refs = [el for el in parse_text(doc).elements if el.kind == "ref"]
    assert [r.relationships[0].right.table.text for r in refs] == ["users__b_schema"]
    # Enums too, and the columns typed by them.
    assert t["users__a_schema"].column("state").type_text == "status__a_schema"
    assert t["orders"].column("state").type_text == "status__b_schema"
    # An import alias (`use { table core.accounts as acc }`) is written as the table's name.
    assert t["invoices"].column("acc_id").setting("ref").ref.target.table.text == "core.accounts"
    notes = [el.name.text for el in parse_text(doc).elements if el.kind == "note"]
    assert sorted(notes) == ["readme__a_schema", "readme__b_schema"]
    # core.accounts is in two groups: DBML keeps it in the first (workspace order), the other
    # membership and its effective access become notes.
    groups = {el.name.text: el for el in parse_text(doc).elements if el.kind == "group"}
    assert [q.text for q in groups["Billing"].tables] == ["invoices", "core.accounts"]
    assert [q.text for q in groups["Core"].tables] == ["users__teams_core"]
    acc_note = t["core.accounts"].notes[0].text
    assert "also in TableGroup Core" in acc_note and "access confidential (from TableGroup Billing)" in acc_note
    assert "also lists core.accounts" in groups["Core"].notes[0].text
    # The %events_for table of another file is merged into the generated events table.
    h = t["Histories"]
    assert [c.name.text for c in h.columns] == ["id", "events_base_id", "account_id", "label", "action", "reason", "invoice_id"]
    assert [ix.columns[0].text for ix in h.indexes] == ["reason"]
    assert "teams/billing.dbmt" in h.notes[0].text


def test_official_toolchain_reads_the_collisions(official):
    pg = official["tests/fixtures/expand/collisions"]["postgres"]
    for name in ("users__a_schema", "users__b_schema", "users__teams_core", "status__a_schema", "Histories"):
        assert f'"{name}"' in pg
    assert 'REFERENCES "users__b_schema" ("id")' in pg


def test_user_event_action_is_not_duplicated():
    case = REPO / "tests" / "fixtures" / "events" / "event_action_ok.dbmt"
    ws = Workspace.open(case.parent, config=Config(root=case.parent.resolve()), paths=[str(case)])
    doc = expand_workspace(ws)
    assert len(re.findall(r"^Enum EventAction\b", doc, re.M)) == 1


def test_workspace_with_errors_is_refused():
    case = REPO / "tests" / "fixtures" / "extensions" / "unsatisfiable.dbmt"
    ws = Workspace.open(case.parent, config=Config(root=case.parent.resolve()), paths=[str(case)])
    with pytest.raises(ExpandError, match="error"):
        expand_workspace(ws)


def _cli(*args, cwd=REPO):
    exe = Path(sys.executable).with_name("dbmt-lsp")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd)


def test_cli_expand(tmp_path):
    out = tmp_path / "shop.dbml"
    r = _cli("--expand", "examples/shop", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_text(encoding="utf-8") == expand_workspace(open_dir(EXAMPLE))
    r = _cli("--expand", "examples/shop")
    assert r.returncode == 0 and r.stdout == out.read_text(encoding="utf-8")
    r = _cli("--expand", "tests/fixtures/extensions/unsatisfiable.dbmt")
    assert r.returncode == 1 and "error" in r.stderr and not r.stdout
    r = _cli("--expand", "no/such/place")
    assert r.returncode == 2 and "no such file" in r.stderr
    r = _cli("-o", str(out))
    assert r.returncode == 2
