"""The `dbmt/diagram` model (export/diagram.py) without a client: every table kind, every edge kind
and its cardinality, groups (a table in two), access, families, DiagramViews, every filter,
determinism, workspaces with errors, `--export json`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dbmt.export import diagram as D
from dbmt.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "shop"


def model_of(root: Path, f=None) -> dict:
    ws = Workspace.open(root)
    return D.to_json(D.build(ws), f, D.utf16_spans(ws), D.file_uri)


def workspace(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "ws"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (root / "dbmt.toml").write_text("", encoding="utf-8")
    return root


def names(d: dict) -> dict[str, str]:
    return {t["id"]: t["name"] for t in d["tables"]}


def edges(d: dict, kind: str | None = None) -> list[tuple]:
    n = names(d)
    return sorted((e["kind"], n[e["from"]["table"]], tuple(e["from"]["columns"]), n[e["to"]["table"]],
                   tuple(e["to"]["columns"])) for e in d["edges"] if kind is None or e["kind"] == kind)


def test_shop_counts_against_the_engine():
    ws = Workspace.open(EXAMPLE)
    d = D.to_json(D.build(ws), None, D.utf16_spans(ws), D.file_uri)
    # Every declared table but the %events_for ones (they are part of their events table), plus
    # every events table %events_clone generates.
    declared = [dd for defs in ws.index.defs["table"].values() for dd in defs if dd.element.generated_for is None]
    events_for = [dd for dd in declared if any(mk.name == "events_for" for mk in dd.element.marks)]
    clones = [dd for dd in declared if any(mk.name == "events_clone" for mk in dd.element.marks)]
    assert len(d["tables"]) == len(declared) - len(events_for) + len(clones) == 21
    assert len({t["id"] for t in d["tables"]}) == 21 and len({e["id"] for e in d["edges"]}) == len(d["edges"])
    # Every inline ref of a table, generated ones included, is one edge.
    inline = sum(1 for t in d["tables"] for c in t["columns"] if c["fk"])
    assert inline == len([e for e in d["edges"] if e["kind"] != "relation"]) == 20


def test_kinds_edges_and_cardinalities(tmp_path):
    root = workspace(tmp_path, {
        "a/a.dbmt": """
Enum Kind {
  Fast
  Slow
}
Table FastT { %extension_enum Kind.Fast
  id int [pk] }
Table SlowT { %extension_enum Kind.Slow
  id int [pk] }
Table Things {
  %extension Kind
  %events_clone
  id int [pk]
  owner_id int [not null, ref: > Owners.id]
  maybe_id int [ref: > Owners.id]
  twin_id int [ref: - Twins.id]
}
Table Owners { id int [pk] }
Table Twins { id int [pk]
  back_id int [ref: < Things.id] }
Table Tags { id int [pk] }
Ref: Tags.id <> Owners.id
Table RelThingTags {
  %relation
  id int [pk]
  thing_id int [ref: > Things.id] %relation_source
  tag_id int
}
Ref: RelThingTags.tag_id > Tags.id
""",
    })
    d = model_of(root)
    kinds = {t["name"]: t["kind"] for t in d["tables"]}
    assert kinds == {"FastT": "extension", "SlowT": "extension", "Things": "table", "ThingEvents": "events",
                     "Owners": "table", "Twins": "table", "Tags": "table", "RelThingTags": "relation"}
    nm = names(d)
    by = {(nm[e["from"]["table"]], e["from"]["columns"][0], nm[e["to"]["table"]]): e for e in d["edges"]}
    assert len(by) == len(d["edges"])
    owner = by[("Things", "owner_id", "Owners")]
    assert owner["kind"] == "ref" and owner["fromMany"] and not owner["toMany"] and not owner["toOptional"]
    maybe = by[("Things", "maybe_id", "Owners")]
    assert maybe["toOptional"] and maybe["fromOptional"]
    twin = by[("Things", "twin_id", "Twins")]
    assert not twin["fromMany"] and not twin["toMany"]
    # `Twins.back_id < Things.id`: Things is the many side, so the edge runs from Things.id.
    back = by[("Things", "id", "Twins")]
    assert names(d)[back["from"]["table"]] == "Things" and back["to"]["columns"] == ["back_id"] and back["fromMany"]
    mm = by[("Tags", "id", "Owners")]
    assert mm["fromMany"] and mm["toMany"] and mm["toOptional"]
    for v in ("fast", "slow"):
        for src in ("Things", "ThingEvents"):  # the events table copies the generated columns
            e = by[(src, f"opt_to_{v}_id", v.capitalize() + "T")]
            assert e["kind"] == "extension" and e["label"] == v and e["toOptional"]
    # The event DAG is empty here; the events table's reference to its base is a plain ref.
    assert by[("ThingEvents", "thing_id", "Things")]["kind"] == "ref"
    # The relation connector: source Things —RelThingTags→ sink Tags (the sink from a top-level Ref).
    conn = [e for e in d["edges"] if e["kind"] == "relation"]
    assert [(names(d)[e["from"]["table"]], e["label"], names(d)[e["to"]["table"]]) for e in conn] == \
        [("Things", "RelThingTags", "Tags")]
    # The family of Kind: its extension tables and its supporter.
    enum = d["enums"][0]
    assert enum["extension"] and sorted(t["name"] for t in d["tables"] if t["family"] == enum["id"]) == \
        ["FastT", "SlowT", "Things"]
    ev = next(t for t in d["tables"] if t["name"] == "ThingEvents")
    cols = {c["name"]: c for c in ev["columns"]}
    assert cols["thing_id"]["generated"] == "%events_clone" and cols["opt_to_fast_id"]["generated"]
    assert all(c["range"] is None for c in ev["columns"])


def test_groups_access_and_a_table_in_two_groups(tmp_path):
    root = workspace(tmp_path, {
        "one.dbmt": "Table A { id int [pk] }\nTable B { id int [pk] }\n"
                    "TableGroup open [color: #123456] { %access public\n A\n B }\n",
        "two.dbmt": "TableGroup secret { %access restricted\n A }\nTableGroup plain { B }\n",
    })
    d = model_of(root)
    groups = {g["name"]: g for g in d["groups"]}
    assert groups["open"]["color"] == "#123456" and groups["open"]["access"] == "public"
    assert groups["secret"]["access"] == "restricted" and groups["plain"]["access"] is None
    assert groups["plain"]["color"].startswith("#") and groups["plain"]["color"] != groups["secret"]["color"]
    a = next(t for t in d["tables"] if t["name"] == "A")
    assert a["groups"] == sorted([groups["open"]["id"], groups["secret"]["id"]]) and a["access"] == "restricted"
    b = next(t for t in d["tables"] if t["name"] == "B")
    assert b["access"] == "public" and len(b["groups"]) == 2
    assert [f["team"] for f in d["files"]] == ["one", "two"]


def test_filters(tmp_path):
    root = workspace(tmp_path, {
        "sales/orders.dbmt": "Table Orders { id int [pk]\n  customer_id int [ref: > Customers.id] }\n"
                             "Table Customers { id int [pk]\n  region_id int [ref: > Regions.id] }\n"
                             "TableGroup core { Orders\n Customers }\n",
        "geo/regions.dbmt": "Table Regions { id int [pk]\n  planet_id int [ref: > Planets.id] }\n"
                            "Table Planets { id int [pk] }\n"
                            "DiagramView world {\n  Tables { Regions, Planets }\n}\n"
                            "DiagramView by_group {\n  TableGroups { core }\n}\n"
                            "DiagramView by_schema {\n  Schemas { public }\n}\n",
    })
    full = model_of(root)
    ids = {t["name"]: t["id"] for t in full["tables"]}

    def sel(f):
        d = model_of(root, f)
        assert d["filter"] == f
        kept = {t["id"] for t in d["tables"]}
        assert all(e["from"]["table"] in kept and e["to"]["table"] in kept for e in d["edges"])
        return sorted(t["name"] for t in d["tables"])

    sales = (root / "sales" / "orders.dbmt").resolve()
    assert sel({"files": [sales.as_uri()]}) == ["Customers", "Orders"]
    assert sel({"files": [str(sales)]}) == ["Customers", "Orders"]
    assert sel({"folder": str((root / "geo").resolve())}) == ["Planets", "Regions"]
    assert sel({"folder": str(root / "ge")}) == []          # a prefix of a folder name is not the folder
    assert sel({"group": "core"}) == ["Customers", "Orders"]
    assert sel({"view": "world"}) == ["Planets", "Regions"]
    assert sel({"view": "by_group"}) == ["Customers", "Orders"]
    assert sel({"view": "by_schema"}) == sorted(ids)
    assert sel({"focus": {"table": ids["Customers"], "hops": 1}}) == ["Customers", "Orders", "Regions"]
    assert sel({"focus": {"table": ids["Orders"], "hops": 3}}) == sorted(ids)
    assert sel({"focus": {"table": ids["Orders"]}}) == ["Customers", "Orders"]   # one hop by default
    assert sel({"group": "core", "focus": {"table": ids["Regions"], "hops": 1}}) == ["Customers"]
    assert sel({}) == sorted(ids)
    d = model_of(root, {"view": "world"})
    assert [g["name"] for g in d["groups"]] == [] and [v["name"] for v in d["views"]] == ["by_group", "by_schema", "world"]
    assert [f["path"] for f in d["files"]] == ["geo/regions.dbmt"]
    for bad in ({"group": "nope"}, {"view": "nope"}, {"focus": {"table": "t:x"}}, {"focus": {"table": ids["Orders"], "hops": "2"}},
                {"files": "x"}, {"bogus": 1}, [], {"focus": {"table": ids["Orders"], "hops": True}}):
        with pytest.raises(D.FilterError):
            model_of(root, bad)


def test_deterministic(tmp_path):
    a = json.dumps(model_of(EXAMPLE), sort_keys=False)
    b = json.dumps(model_of(EXAMPLE), sort_keys=False)
    assert a == b
    # The same files in another folder give the same model but for the URIs.
    import shutil
    copy = tmp_path / "elsewhere"
    shutil.copytree(EXAMPLE, copy)
    c = json.dumps(model_of(copy)).replace(copy.resolve().as_uri(), EXAMPLE.resolve().as_uri())
    assert c == a


def test_broken_workspaces_give_a_model(tmp_path):
    root = workspace(tmp_path, {
        "bad.dbmt": "Table T { id int [pk]\n  x_id int [ref: > Missing.id]\n  y int [ref: > T.nope] }\n"
                    "Table { oops }\nTable U { %extension NoEnum\n  %extension_enum Nope.V\n  id int [pk]\n"
                    "Ref: U.id > Gone.id\nTableGroup g { T\n Ghost }\nDiagramView v { Tables { Ghost } }\n",
        "half.dbmt": "Table Half {\n  id int [pk\n",
    })
    d = model_of(root)
    assert {"T", "U"} <= {t["name"] for t in d["tables"]}
    kept = {t["id"] for t in d["tables"]}
    assert all(e["from"]["table"] in kept and e["to"]["table"] in kept for e in d["edges"])
    json.dumps(d)


def test_dbml_file_is_plain(tmp_path):
    root = workspace(tmp_path, {"s.dbml": "Table a { id int [pk]\n  b_id int [ref: > b.id] }\nTable b { id int [pk] }\n"
                                          "TableGroup g { a }\n"})
    d = model_of(root)
    assert {t["kind"] for t in d["tables"]} == {"table"} and all(t["access"] is None for t in d["tables"])
    assert [g["name"] for g in d["groups"]] == ["g"] and len(d["edges"]) == 1


def _cli(*args):
    exe = Path(sys.executable).with_name("dbmt-lsp")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=REPO)


def test_cli_export_json(tmp_path):
    out = tmp_path / "shop.json"
    r = _cli("--export", "json", "examples/shop", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == model_of(EXAMPLE)
    r = _cli("--export", "json", "tests/fixtures/extensions/unsatisfiable.dbmt")
    assert r.returncode == 1 and "errors" in r.stderr


def test_cli_export_svg_without_node(tmp_path):
    exe = Path(sys.executable)
    r = subprocess.run([str(exe), "-m", "dbmt", "--export", "svg", "examples/shop", "-o", str(tmp_path / "x.svg")],
                       capture_output=True, text=True, cwd=REPO, env={"PATH": str(tmp_path), "HOME": str(tmp_path)})
    assert r.returncode == 2
    assert r.stderr.count("\n") == 1 and "needs node" in r.stderr
    assert not (tmp_path / "x.svg").exists()


def _svg_ids(svg: str, cls: str) -> list[str]:
    import re
    from html import unescape
    return [unescape(m) for m in re.findall(rf'<g class="{cls}(?: [^"]*)?" data-id="([^"]*)"', svg)]


def test_cli_export_svg_draws_every_table_and_ref_once(tmp_path):
    """The real CLI with node and the committed bundle: every table of the model once, every edge
    (ref, extension, event, relation connector) once; the positions of dbmt-layout.json used."""
    import re
    import shutil

    from node_tools import node
    node()  # on a machine without node: skipped with what to install; under CI=true: failed
    shop = tmp_path / "shop"
    shutil.copytree(EXAMPLE, shop)
    model = model_of(shop)
    r = _cli("--export", "svg", str(shop), "-o", str(tmp_path / "shop.svg"))
    assert r.returncode == 0, r.stderr
    svg = (tmp_path / "shop.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg")
    assert sorted(_svg_ids(svg, "table")) == sorted(t["id"] for t in model["tables"])
    assert len(_svg_ids(svg, "table")) == len(set(_svg_ids(svg, "table"))) == 21
    assert sorted(_svg_ids(svg, "edge")) == sorted(e["id"] for e in model["edges"])
    assert len(_svg_ids(svg, "edge")) == len(set(_svg_ids(svg, "edge")))
    # Dragged positions beside the schema are used.
    tid = next(t["id"] for t in model["tables"] if t["name"] == "Users")
    (shop / "dbmt-layout.json").write_text(json.dumps({"version": 1, "tables": {tid: {"x": 1234, "y": 56}}}),
                                           encoding="utf-8")
    r = _cli("--export", "svg", str(shop))
    assert r.returncode == 0, r.stderr
    assert re.search(rf'data-id="{re.escape(tid)}" transform="translate\(1234,56\)"', r.stdout)


def test_ids_stay_unique_with_duplicate_names(tmp_path):
    root = workspace(tmp_path, {
        "a.dbmt": "Table T { id int [pk] }\nTable T { id int [pk] }\nEnum E {\n  x\n}\nEnum E {\n  x\n}\n"
                  "TableGroup g { T }\nTableGroup g { T }\n",
        "b.dbml": "Table T { id int [pk] }\n",
        "c.dbml": "Table T { id int [pk] }\n",
    })
    d = model_of(root)
    for key in ("tables", "enums", "groups"):
        ids = [x["id"] for x in d[key]]
        assert len(ids) == len(set(ids)), (key, ids)
    assert len(d["tables"]) == 4 and len(d["enums"]) == 2 and len(d["groups"]) == 2
    assert "t:a.dbmt#public.T~2" in {t["id"] for t in d["tables"]}
    collisions = model_of(REPO / "tests" / "fixtures" / "expand" / "collisions")
    assert len({t["id"] for t in collisions["tables"]}) == len(collisions["tables"])
    assert len({t["name"] for t in collisions["tables"]}) == len(collisions["tables"])


# -- the model kept across edits (BuildCache) -----------------------------------------------------
def _json(ws, cache=None, memo=None) -> str:
    m = D.build(ws, cache)
    return json.dumps(D.materialize(m, D.utf16_spans(ws), D.file_uri, memo), sort_keys=True)


# Each edit: (file, old text, new text) applied to the current text; chosen so that what a table
# shows changes through another file: a type's enum, a group's membership and access, a
# supporter's family, a ref's target, a name two files define, an events_for table.
CROSS_FILE_EDITS = [
    ("accessories/accessories.dbmt", "  LedExt [note: 'rainbow LED lighting patterns']\n",
     "  LedExt [note: 'rainbow LED lighting patterns']\n  GlowExt\n"),
    ("accessories/accessories.dbmt", "Table LedExt {", "Table GlowExt {\n  %extension_enum AccessoryExtType.GlowExt\n  id key_t [pk]\n}\n\nTable LedExt {"),
    ("shoes/shoes.dbmt", "  %access public\n", "  %access private\n"),
    ("shoes/shoes.dbmt", "  Shoes\n  Gloves\n", "  Shoes\n"),
    ("social/posting.dbmt", "  RelRobotPosts\n}", "  RelRobotPosts\n  Users\n}"),
    ("gloves/gloves.dbmt", "Table Gloves {\n  id key_t [pk]", "Table Gloves {\n  id key_t [pk]\n  colour varchar"),
    ("gloves/gloves.dbmt", "  %extension AccessoryExtType\n", ""),
    ("social/posting.dbmt", "Table Robots {", "Ref: Robots.model > Gloves.id\n\nTable Robots {"),
    ("devices/shoe_mcu.dbmt", "  paired bool [default: false]\n", "  paired bool [default: false]\n  rssi i8\n"),
    ("devices/shoe_mcu.dbmt", "Table HeatSystemEvents {\n  %events_for HeatSystem\n",
     "Table HeatSystemEvents {\n  %events_for HeatSystem\n  note_text text\n"),
    ("social/posting.dbmt", "Table Posts {", "Enum Mood {\n  happy\n}\n\nTable Posts {\n  mood Mood"),
    ("accessories/accessories.dbmt", "Table SkeeingExt {", "Table Posts {\n  id key_t [pk]\n}\n\nTable SkeeingExt {"),
    ("social/posting.dbmt", "Enum Mood {\n  happy\n}", "Enum Mood {\n  happy\n  sad\n}"),
    ("social/posting.dbmt", "  mood Mood", "  mood Mood\n  again Mood"),
    ("accessories/accessories.dbmt", "Table Posts {\n  id key_t [pk]\n}\n\n", ""),
    ("shoes/shoes.dbmt", "use { enum AccessoryExtType } from '../accessories/accessories'\n", ""),
]


def test_the_model_kept_across_edits_is_the_model_built_afresh(tmp_path):
    """After every edit (each changes what a table of another file shows), the model built with
    the parts of the build before is the model built from nothing, and most tables are the
    objects they were (nothing read again but what the edit could change)."""
    import shutil

    root = tmp_path / "shop"
    shutil.copytree(EXAMPLE, root)
    ws = Workspace.open(root, use_cache=False)
    cache, memo = D.BuildCache(), {}
    assert _json(ws, cache, memo) == _json(ws)
    reread = []
    for rel, old, new in CROSS_FILE_EDITS:
        path = str((root / rel).resolve())
        text = ws.text_of(path)
        assert old in text, (rel, old)
        ws.update_file(path, text.replace(old, new, 1))
        before = {id(p) for p in cache.parts.values()}
        kept = _json(ws, cache, memo)
        assert kept == _json(ws), f"after {rel}: {new!r}"
        reread.append(sum(1 for p in cache.parts.values() if id(p) not in before))
    # An edit re-reads the tables its keys reach, not the workspace's every table.
    assert min(reread) < len(cache.parts) / 2, reread
    # A file removed, and the change log no longer reaching back: built afresh, still equal.
    ws.remove_file(str((root / "gloves" / "gloves.dbmt").resolve()))
    assert _json(ws, cache, memo) == _json(ws)
    cache.generation = -5
    assert _json(ws, cache, memo) == _json(ws)
