"""`%extension E` generates real columns of the model (§6): names, types, order, references."""

from pathlib import Path

from dbmt.check.context import Ctx
from dbmt.check.extensions import generated_target, snake
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

FIXTURES = Path(__file__).parent.parent / "fixtures" / "extensions"


def _columns(ws: Workspace, path: Path, table: str):
    fm = ws.index.files[str(path.resolve())]
    ctx = Ctx(ws.index, fm, ws.config, {})
    d = next(d for d in fm.defs if d.kind == "table" and d.key == table)
    return ctx, ctx.columns(d)


def _open(path: Path) -> Workspace:
    return Workspace.open(path.parent, config=Config(root=path.parent.resolve()), paths=[str(path.resolve())])


def test_snake():
    assert snake("SkeeingExt") == "skeeing_ext"
    assert snake("LEDShoes") == "led_shoes"
    assert snake("LedExt") == "led_ext"
    assert snake("Ext") == "ext"
    assert snake("HTTP2Ext") == "http2_ext"
    # one word (the fast path) and what only looks like one
    assert [snake(w) for w in ("V12", "shoe", "Shoe", "X", "v_1", "_Shoe", "ShoeS", "Ab-c", "É")] == [
        "v12", "shoe", "shoe", "x", "v_1", "shoe", "shoe_s", "ab_c", ""]


def test_brief_example_generated_columns():
    path = FIXTURES / "brief_example.dbmt"
    ws = _open(path)
    ctx, cols = _columns(ws, path, "public.RelShoeSupportsExt")
    declared = [c for c in cols if c.generated_from is None]
    generated = [c for c in cols if c.generated_from is not None]
    assert [c.name.text for c in declared] == ["id", "from_shoe_id"]
    assert [c.name.text for c in generated] == [
        "opt_to_skeeing_ext_id", "opt_to_running_ext_id", "opt_to_led_ext_id", "ext"]
    assert [c.type_text for c in generated] == ["key_t", "key_t", "key_t", "AccessoryExtType"]
    text = ws.text_of(str(path.resolve()))
    for c in generated:
        mk = c.generated_from
        assert mk.name == "extension"
        assert text[mk.start:mk.end].strip() == "%extension AccessoryExtType"
        assert (c.start, c.end) == (mk.start, mk.end)
        assert (c.name.start, c.name.end) == (mk.start, mk.end)
    targets = []
    for c in generated[:3]:
        assert c.setting("null") is not None  # nullable
        assert not c.is_pk
        ref = c.setting("ref").ref
        assert ref.op == ">"
        targets.append((ref.target.table.text, [x.text for x in ref.target.columns]))
        assert generated_target(ctx, c).key == "public." + ref.target.table.text
    assert targets == [("SkeeingExt", ["id"]), ("RunningExt", ["id"]), ("LedExt", ["id"])]
    assert generated[3].setting("ref") is None
    assert generated[3].type.qname.text == "AccessoryExtType"
    # Every consumer sees the same model: lookups by name find generated columns.
    d = next(d for d in ws.index.files[str(path.resolve())].defs if d.key == "public.RelShoeSupportsExt")
    assert ctx.column(d, "opt_to_led_ext_id") is generated[2]
    assert not ws.all_diagnostics()[str(path.resolve())]


def test_pk_type_follows_the_extension_table(tmp_path):
    f = tmp_path / "a.dbmt"
    f.write_text(
        "Enum core.Kinds {\n  LEDShoes\n  Plain\n}\n"
        "Table core.led { %extension_enum core.Kinds.LEDShoes\n  code varchar(12) [pk]\n}\n"
        "Table plain {\n  %extension_enum core.Kinds.Plain\n  id bigint\n  indexes {\n    id [pk]\n  }\n}\n"
        "Table host {\n  %extension core.Kinds\n  id int [pk]\n}\n",
        encoding="utf-8")
    ws = _open(f)
    _, cols = _columns(ws, f, "public.host")
    gen = [c for c in cols if c.generated_from is not None]
    assert [(c.name.text, c.type_text) for c in gen] == [
        ("opt_to_led_shoes_id", "varchar(12)"), ("opt_to_plain_id", "bigint"), ("ext", "core.Kinds")]
    t0 = gen[0].setting("ref").ref.target
    assert (t0.table.text, t0.columns[0].text) == ("core.led", "code")
    t1 = gen[1].setting("ref").ref.target
    assert (t1.table.text, t1.columns[0].text) == ("plain", "id")


def test_multi_file_supporter_sees_generated_columns():
    root = FIXTURES / "teams"
    from dbmt.workspace.config import load_config
    ws = Workspace.open(root, config=load_config(root.resolve(), None))
    path = root / "shoes" / "shoes.dbmt"
    ctx, cols = _columns(ws, path, "public.RelShoeSupportsExt")
    gen = [c for c in cols if c.generated_from is not None]
    assert [c.name.text for c in gen] == [
        "opt_to_skeeing_ext_id", "opt_to_running_ext_id", "opt_to_led_ext_id", "ext"]
    # SkeeingExt's table lives in the accessories file, whose tables shoes.dbmt does not import.
    assert generated_target(ctx, gen[0]).path.endswith("accessories/accessories.dbmt")
    assert generated_target(ctx, gen[2]).path.endswith("shoes/shoes.dbmt")
    assert [c.type_text for c in gen] == ["key_t", "key_t", "key_t", "AccessoryExtType"]


def test_claims_in_other_files_recheck_the_enum(tmp_path):
    """Completeness is workspace-wide and incremental: a claim added or removed in another team's
    file re-checks the enum's file."""
    import shutil
    from dbmt.workspace.config import load_config
    root = tmp_path / "ws"
    shutil.copytree(FIXTURES / "teams_broken", root)
    ws = Workspace.open(root, config=load_config(root.resolve(), None))
    acc = str((root / "accessories" / "accessories.dbmt").resolve())
    gloves = str((root / "gloves" / "gloves.dbmt").resolve())
    codes = lambda p: sorted(d.code for d in ws.diagnostics_for(p))
    assert codes(acc) == ["DBMT301", "DBMT302", "DBMT311"]
    text = (
        "use { enum AccessoryExtType } from '../accessories/accessories'\n"
        "Table LedExt {\n  %extension_enum AccessoryExtType.LedExt\n  id key_t [pk]\n}\n")
    rechecked = ws.update_file(gloves, text)
    assert acc in rechecked
    assert codes(acc) == ["DBMT311"]
    assert codes(gloves) == []
