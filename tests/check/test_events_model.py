"""The events tables `%events_clone` generates (§7): names and columns."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbmt.check.context import Ctx
from dbmt.check.events import events_tables, singular, snake
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

SCHEMA = """
Enum AccessoryExtType {
  SkeeingExt
  LedExt
}
Table SkeeingExt {
  %extension_enum AccessoryExtType.SkeeingExt
  id key_t [pk]
}
Table LedExt {
  %extension_enum AccessoryExtType.LedExt
  id u64 [pk]
}
Table Shoes {
  %events_clone
  %extension AccessoryExtType
  id key_t [pk, increment]
  name varchar [unique, not null]
  size int [default: 42]
}
Table ShoeMCU {
  %events_clone
  serial u64 [pk]
  firmware varchar
}
Table Address {
  %events_clone
  id int [pk]
  street varchar
}
Table Hats {
  %events_clone HatLog
  id uuid [pk]
}
Table HatLog {
  %events_for Hats
  reason varchar
  action EventAction [not null]
}
"""


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    root = tmp_path_factory.mktemp("events")
    f = root / "schema.dbmt"
    f.write_text(SCHEMA, encoding="utf-8")
    ws = Workspace.open(root, config=Config(root=root.resolve()), paths=[str(f.resolve())])
    fm = ws.files[str(f.resolve())].model
    ctx = Ctx(ws.index, fm, ws.config, {})
    return ws, ctx, events_tables(ctx)


def cols(et):
    return [(c.name.text, c.type_text) for c in et.columns]


def settings(c):
    return sorted(s.key for s in c.settings)


def test_names_and_helpers():
    assert singular("Shoes") == "Shoe" and singular("Address") == "Address" and singular("ShoeMCU") == "ShoeMCU"
    assert snake("SkeeingExt") == "skeeing_ext" and snake("LEDShoes") == "led_shoes" and snake("ShoeMCU") == "shoe_mcu"


def test_keys(model):
    _, _, tables = model
    assert set(tables) == {"public.ShoeEvents", "public.ShoeMCUEvents", "public.AddressEvents", "public.HatLog"}


def test_shoe_events_columns(model):
    ws, _, tables = model
    et = tables["public.ShoeEvents"]
    assert et.base.key == "public.Shoes"
    assert cols(et) == [
        ("id", "key_t"), ("shoe_id", "key_t"), ("name", "varchar"), ("size", "int"),
        ("opt_to_skeeing_ext_id", "key_t"), ("opt_to_led_ext_id", "u64"), ("ext", "AccessoryExtType"),
        ("action", "EventAction"),
    ]
    assert et.columns[0].is_pk
    ref = et.column("shoe_id").setting("ref").ref
    assert ref.op == ">" and ref.target.table.text == "Shoes" and [c.text for c in ref.target.columns] == ["id"]
    # pk / unique / increment are dropped; other settings stay.
    assert settings(et.column("name")) == ["not null"]
    assert settings(et.column("size")) == ["default"]
    assert not et.column("shoe_id").is_pk
    assert et.column("opt_to_led_ext_id").setting("ref") is not None
    # No diagnostics in this schema.
    assert [d.code for ds in ws.all_diagnostics().values() for d in ds] == []


def test_shoe_mcu_events(model):
    _, _, tables = model
    assert cols(tables["public.ShoeMCUEvents"]) == [
        ("id", "u64"), ("shoe_mcu_id", "u64"), ("firmware", "varchar"), ("action", "EventAction")]


def test_address_events(model):
    _, _, tables = model
    assert cols(tables["public.AddressEvents"]) == [
        ("id", "int"), ("address_id", "int"), ("street", "varchar"), ("action", "EventAction")]


def test_explicit_name_and_events_for(model):
    _, ctx, tables = model
    et = tables["public.HatLog"]
    assert [d.key for d in et.for_tables] == ["public.HatLog"]
    # `action` declared by the %events_for table replaces the generated one, in place.
    assert cols(et) == [("id", "uuid"), ("hat_id", "uuid"), ("action", "EventAction"), ("reason", "varchar")]
    assert settings(et.column("action")) == ["not null"]
    # The %events_for table sees the generated columns too (completion, refs).
    decl = next(d for d in ctx.index.defs["table"]["public.HatLog"] if getattr(d.element, "generated_for", None) is None)
    assert [c.name.text for c in ctx.columns(decl)] == ["reason", "action", "id", "hat_id"]
    gen = next(d for d in ctx.index.defs["table"]["public.HatLog"] if getattr(d.element, "generated_for", None) is not None)
    assert [c.name.text for c in ctx.columns(gen)] == ["id", "hat_id", "action", "reason"]
