"""`dbmt/diagram` and `dbmt/diagramChanged` through the real server (pytest-lsp): the model of the
shop example counted against the workspace, a relation connector, an extension family, the event
DAG, a group of two tables, the filters, the notification after an edit in another file (and none
for an edit that changes nothing drawn), UTF-16 ranges on a line with an emoji."""

from __future__ import annotations

import asyncio

from pygls.protocol import JsonRPCResponseMessage

from lsp_harness import WAIT, caps, lsp, write

SHOP_TABLES = {"SkeeingExt", "RunningExt", "LedExt", "ShoeMCU", "HeatSystem", "Thermostat", "Bluetooth",
               "ShoeMCUEvents", "HeatSystemEvents", "ThermostatEvents", "BluetoothEvents", "Gloves",
               "RelGloveSupportsExt", "Shoes", "ShoeEvents", "RelShoeSupportsExt", "Users", "Robots", "Posts",
               "RelUserPosts", "RelRobotPosts"}


def raw_results(h) -> None:
    """Keep custom requests' results as the JSON objects they are (pygls would make namedtuples
    of them, renaming keys such as `from`)."""
    h.client.protocol._converter.register_structure_hook(JsonRPCResponseMessage, lambda obj, cls: cls(**obj))


def listen(h) -> list[int]:
    got: list[int] = []

    @h.client.feature("dbmt/diagramChanged")
    def changed(params):
        got.append(params.revision)

    return got


async def until(pred, what: str):
    async def loop():
        while not pred():
            await asyncio.sleep(0.05)
    try:
        await asyncio.wait_for(loop(), WAIT)
    except asyncio.TimeoutError:
        raise AssertionError(f"no {what} within {WAIT} s") from None


async def diagram(h, filter=None):
    params = {} if filter is None else {"filter": filter}
    return await h.request(h.client.protocol.send_request_async("dbmt/diagram", params))


def table(d, name):
    hits = [t for t in d["tables"] if t["name"] == name]
    assert len(hits) == 1, name
    return hits[0]


async def test_the_shop_model(shop):
    async with lsp(shop, caps()) as h:
        raw_results(h)
        d = await diagram(h)
        assert d["version"] == 1 and d["revision"] >= 1 and d["root"] == shop.resolve().as_uri()
        assert set(d) == {"version", "revision", "root", "files", "tables", "edges", "enums", "groups", "views", "filter"}
        # Every table of the workspace once (declared, extension, relation, generated events tables).
        assert sorted(t["name"] for t in d["tables"]) == sorted(SHOP_TABLES)
        assert [t["id"] for t in d["tables"]] == sorted(t["id"] for t in d["tables"])
        assert [f["path"] for f in d["files"]] == ["accessories/accessories.dbmt", "devices/shoe_mcu.dbmt",
                                                   "gloves/gloves.dbmt", "shoes/shoes.dbmt", "social/posting.dbmt"]
        assert {f["team"] for f in d["files"]} == {"accessories", "devices", "gloves", "shoes", "social"}
        assert len({f["color"] for f in d["files"]}) == 5
        kinds = {t["name"]: t["kind"] for t in d["tables"]}
        assert kinds["RelUserPosts"] == "relation" and kinds["LedExt"] == "extension"
        assert kinds["ShoeEvents"] == "events" and kinds["Users"] == "table"
        # Every relationship of the workspace: 7 written references, 4 from the %events_clone
        # tables to their bases, 6 opt_to_*_id that %extension generates, 3 among events tables
        # (the event DAG); and the 8 relation connectors (source → each sink).
        by_kind: dict[str, list] = {}
        for e in d["edges"]:
            by_kind.setdefault(e["kind"], []).append(e)
        assert len(by_kind["relation"]) == 8
        assert len(by_kind["ref"]) == 11 and len(by_kind["extension"]) == 6 and len(by_kind["event"]) == 3
        names = {t["id"]: t["name"] for t in d["tables"]}
        conn = [(names[e["from"]["table"]], e["label"], names[e["to"]["table"]]) for e in by_kind["relation"]]
        assert ("Users", "RelUserPosts", "Posts") in conn and ("Robots", "RelRobotPosts", "Posts") in conn
        ur = next(e for e in by_kind["relation"] if e["label"] == "RelUserPosts")
        assert ur["via"] == table(d, "RelUserPosts")["id"] and ur["from"]["columns"] == ["id"]
        dag = {(names[e["from"]["table"]], names[e["to"]["table"]]) for e in by_kind["event"]}
        assert dag == {("ShoeMCUEvents", "HeatSystemEvents"), ("ShoeMCUEvents", "BluetoothEvents"),
                       ("HeatSystemEvents", "ThermostatEvents")}
        # The extension family: the enum, its three extension tables and its two supporters.
        enum = next(e for e in d["enums"] if e["name"] == "AccessoryExtType")
        assert enum["extension"] and enum["values"] == ["SkeeingExt", "RunningExt", "LedExt"]
        family = sorted(t["name"] for t in d["tables"] if t["family"] == enum["id"])
        assert family == ["LedExt", "RelGloveSupportsExt", "RelShoeSupportsExt", "RunningExt", "SkeeingExt"]
        gen = {c["name"]: c for c in table(d, "RelShoeSupportsExt")["columns"]}
        assert gen["opt_to_led_ext_id"]["generated"] == "%extension" and gen["opt_to_led_ext_id"]["range"] is None
        assert gen["ext"]["generated"] and gen["from_shoe_id"]["generated"] == "" and gen["from_shoe_id"]["fk"]
        assert gen["id"]["pk"] and not gen["id"]["fk"]
        ext = next(e for e in by_kind["extension"] if names[e["to"]["table"]] == "LedExt"
                   and names[e["from"]["table"]] == "RelShoeSupportsExt")
        assert ext["toOptional"] and ext["fromMany"] and not ext["toMany"]
        # A group with two tables in two files, its access the tables' badge.
        g = next(g for g in d["groups"] if g["name"] == "GrProducts")
        assert [names[t] for t in g["tables"]] == ["Gloves", "Shoes"] and g["access"] == "public"
        assert table(d, "Gloves")["groups"] == [g["id"]] and table(d, "Gloves")["access"] == "public"
        assert table(d, "RelUserPosts")["access"] == "internal"
        # Ranges lead to the definitions: the table's name and a declared column's name.
        users = table(d, "Users")
        assert users["uri"] == h.uri("social/posting.dbmt")
        at = h.pos("social/posting.dbmt", "Users {")
        assert users["range"]["start"] == {"line": at.line, "character": at.character}
        handle = next(c for c in users["columns"] if c["name"] == "handle")
        at = h.pos("social/posting.dbmt", "handle varchar")
        assert handle["unique"] and handle["notNull"] and handle["range"]["start"] == {"line": at.line, "character": at.character}


async def test_filters(shop):
    async with lsp(shop, caps()) as h:
        raw_results(h)
        d = await diagram(h)
        ids = {t["name"]: t["id"] for t in d["tables"]}
        one = await diagram(h, {"files": [h.uri("social/posting.dbmt")]})
        assert sorted(t["name"] for t in one["tables"]) == ["Posts", "RelRobotPosts", "RelUserPosts", "Robots", "Users"]
        assert one["filter"] == {"files": [h.uri("social/posting.dbmt")]}
        assert all(e["from"]["table"] in {t["id"] for t in one["tables"]} for e in one["edges"])
        assert [f["path"] for f in one["files"]] == ["social/posting.dbmt"]
        folder = await diagram(h, {"folder": (shop / "devices").resolve().as_uri()})
        assert len(folder["tables"]) == 8 and {t["kind"] for t in folder["tables"]} == {"table", "events"}
        grp = await diagram(h, {"group": "GrProducts"})
        assert sorted(t["name"] for t in grp["tables"]) == ["Gloves", "Shoes"]
        assert [g["name"] for g in grp["groups"]] == ["GrProducts"]
        near = await diagram(h, {"focus": {"table": ids["Users"], "hops": 1}})
        assert sorted(t["name"] for t in near["tables"]) == ["Posts", "RelUserPosts", "Users"]
        near2 = await diagram(h, {"focus": {"table": ids["Users"], "hops": 2}})
        assert "RelRobotPosts" in {t["name"] for t in near2["tables"]}
        zero = await diagram(h, {"focus": {"table": ids["Users"], "hops": 0}})
        assert [t["name"] for t in zero["tables"]] == ["Users"] and zero["edges"] == []
        both = await diagram(h, {"group": "GrProducts", "files": [h.uri("shoes/shoes.dbmt")]})
        assert [t["name"] for t in both["tables"]] == ["Shoes"]
        # Bad filters are an InvalidParams error naming what is wrong, not a crash.
        for bad, words in (({"view": "nope"}, "no DiagramView named 'nope'"), ({"color": "x"}, "unknown diagram filter key"),
                           ({"focus": {"table": "t:x#y", "hops": 1}}, "no table with id"),
                           ({"focus": {"table": ids["Users"], "hops": -1}}, "hops")):
            try:
                await diagram(h, bad)
            except Exception as exc:  # pygls raises JsonRpcException subclasses for error responses
                assert words in str(exc), (bad, exc)
            else:
                raise AssertionError(f"filter {bad} gave no error")


async def test_views_and_utf16_ranges(tmp_path):
    root = write(tmp_path / "ws", {
        "dbmt.toml": "",
        "a.dbmt": "Table \"🦆ducks\" { id int [pk]\n  name varchar }\n"
                  "Table \"🐟fish\" { id int [pk]\n  duck_id int [ref: > \"🦆ducks\".id] }\n"
                  "Table other { id int [pk] }\n"
                  "TableGroup pond { \"🦆ducks\"\n \"🐟fish\" }\n"
                  "DiagramView water {\n  TableGroups { pond }\n}\n"
                  "DiagramView solo {\n  Tables { other }\n}\n"
                  "DiagramView everything {\n  Tables { * }\n}\n",
    })
    async with lsp(root, caps()) as h:
        raw_results(h)
        d = await diagram(h)
        assert [v["name"] for v in d["views"]] == ["everything", "solo", "water"]
        ids = {t["name"]: t["id"] for t in d["tables"]}
        views = {v["name"]: v["tables"] for v in d["views"]}
        assert views["water"] == sorted([ids["🦆ducks"], ids["🐟fish"]]) and views["solo"] == [ids["other"]]
        assert views["everything"] == sorted(ids.values())
        w = await diagram(h, {"view": "water"})
        assert sorted(t["name"] for t in w["tables"]) == ["🐟fish", "🦆ducks"] and len(w["edges"]) == 1
        fish = next(t for t in d["tables"] if t["name"] == "🐟fish")
        # `Table "🐟fish"`: the name as written (quotes included) starts after 6 UTF-16 units and
        # is 8 wide (the fish, outside the BMP, counts 2).
        assert fish["range"] == {"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 14}}
        duck_id = next(c for c in fish["columns"] if c["name"] == "duck_id")
        assert duck_id["range"]["start"] == {"line": 3, "character": 2} and duck_id["fk"]
        ducks = next(t for t in d["tables"] if t["name"] == "🦆ducks")
        assert ducks["range"] == {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 15}}


async def test_changed_after_an_edit_in_another_file(shop):
    async with lsp(shop, caps()) as h:
        raw_results(h)
        seen = listen(h)
        h.open("social/posting.dbmt")
        first = await diagram(h)
        rev = first["revision"]
        # Adding a table in the gloves team's file (not the one open) changes the model.
        gloves = (shop / "gloves" / "gloves.dbmt").read_text(encoding="utf-8")
        h.open("gloves/gloves.dbmt")
        h.replace_all("gloves/gloves.dbmt", gloves + "\nTable Mittens {\n  id key_t [pk]\n}\n")
        await until(lambda: any(r > rev for r in seen), "dbmt/diagramChanged after adding a table")
        second = await diagram(h)
        assert second["revision"] == max(seen) > rev
        assert "Mittens" in {t["name"] for t in second["tables"]}
        # An edit that changes nothing drawn (a comment) gives no new revision.
        h.replace_all("gloves/gloves.dbmt", gloves + "\nTable Mittens {\n  id key_t [pk]\n}\n// just a comment\n")
        await h.wait_diagnostics("gloves/gloves.dbmt", lambda ds: h.client.diagnostic_versions.get(h.uri("gloves/gloves.dbmt")) == h.versions[h.uri("gloves/gloves.dbmt")])
        await h.settle()
        third = await diagram(h)
        assert third["revision"] == second["revision"] and max(seen) == second["revision"]


def apply_delta(base: dict, d: dict) -> dict:
    """A delta applied to the model it was computed against, as editors/diagram/delta.mjs does."""
    out = {k: v for k, v in d.items() if k not in ("since", "tableIds", "edgeIds", "tables", "edges")}
    for key, ids in (("tables", "tableIds"), ("edges", "edgeIds")):
        by_id = {x["id"]: x for x in base[key]}
        by_id.update({x["id"]: x for x in d[key]})
        out[key] = [by_id[i] for i in d[ids]]
    return out


async def test_deltas_since_a_revision(shop):
    """`since`: only what changed since a revision the server keeps, and that applied to the
    model of that revision is the whole model of now (an added table, a renamed column, a removed
    table with its edges, under a filter too); an unknown revision gives the whole model."""
    async with lsp(shop, caps()) as h:
        raw_results(h)
        seen = listen(h)
        gloves_rel = "gloves/gloves.dbmt"
        gloves = (shop / "gloves" / "gloves.dbmt").read_text(encoding="utf-8")
        h.open(gloves_rel)
        first = await diagram(h)
        unchanged = await h.request(h.client.protocol.send_request_async("dbmt/diagram", {"since": first["revision"]}))
        assert unchanged["since"] == first["revision"] and unchanged["tables"] == [] and unchanged["edges"] == []
        assert unchanged["tableIds"] == [t["id"] for t in first["tables"]]
        texts = [
            gloves + "\nTable Mittens {\n  id key_t [pk]\n  glove_id key_t [ref: > Gloves.id]\n}\n",   # added, with an edge
            gloves + "\nTable Mittens {\n  id key_t [pk]\n  glove_ref key_t [ref: > Gloves.id]\n}\n",  # a column renamed
            gloves,                                                                                     # removed again
        ]
        model = first
        for text in texts:
            rev = model["revision"]
            h.replace_all(gloves_rel, text)
            await until(lambda: any(r > rev for r in seen), "dbmt/diagramChanged")
            d = await h.request(h.client.protocol.send_request_async("dbmt/diagram", {"since": rev}))
            whole = await diagram(h)
            assert d["since"] == rev and d["revision"] == whole["revision"] > rev
            assert apply_delta(model, d) == whole
            # Only what changed is sent: the Mittens table and the tables and edges near it (when
            # it is removed, nothing but the ids: its edge goes with it).
            assert len(d["tables"]) + len(d["edges"]) < 6, [t["name"] for t in d["tables"]]
            assert d["tables"] or d["edges"] or d["tableIds"] != [t["id"] for t in model["tables"]]
            model = whole
        assert model["tables"] == first["tables"] and model["edges"] == first["edges"]
        # Under a filter: the delta is of the filtered model.
        f = {"files": [h.uri(gloves_rel)]}
        before = await diagram(h, f)
        rev = before["revision"]
        h.replace_all(gloves_rel, gloves + "\nTable Mittens {\n  id key_t [pk]\n}\n")
        await until(lambda: any(r > rev for r in seen), "dbmt/diagramChanged")
        d = await h.request(h.client.protocol.send_request_async("dbmt/diagram", {"filter": f, "since": rev}))
        assert [t["name"] for t in d["tables"]] == ["Mittens"]
        assert apply_delta(before, d) == await diagram(h, f)
        # A revision the server does not have: the whole model, without `since`.
        w = await h.request(h.client.protocol.send_request_async("dbmt/diagram", {"since": 10_000}))
        assert "since" not in w and w == await diagram(h)
