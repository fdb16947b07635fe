"""What a rule's lookups record: the names a unit (or a shared memo) depends on."""

from pathlib import Path

from dbmt.check.context import Ctx
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config


def _ctx(tmp_path: Path) -> tuple[Ctx, object]:
    (tmp_path / "a.dbmt").write_text("Table users {\n  id int [pk]\n}\nRef: posts.user_id > users.id\n"
                                     "Table posts {\n  user_id int\n}\n", encoding="utf-8")
    ws = Workspace.open(tmp_path, config=Config(root=tmp_path.resolve()))
    fm = ws.index.files[str((tmp_path / "a.dbmt").resolve())]
    ref = next(el for el in fm.parsed.elements if el.kind == "ref")
    return Ctx(ws.index, fm, ws.config, {}), ref.relationships[0].right.table


def test_a_table_looked_up_again_inside_a_memo_is_a_dependency_of_the_memo(tmp_path):
    ctx, qn = _ctx(tmp_path)
    first = ctx.table(qn)  # the unit depends on it
    assert first is not None and "table:public.users" in ctx.deps
    again = ctx.memo(("probe",), lambda: ctx.table(qn))
    assert again is first
    # the memo's own record names the table, so a unit that only reads the memo depends on it too
    assert "table:public.users" in ctx.cache[("probe", "deps")]
    other = Ctx(ctx.index, ctx.fm, ctx.config, ctx.cache)
    other.deps.clear()
    assert other.memo(("probe",), lambda: None) is first and "table:public.users" in other.deps


def test_a_table_looked_up_while_collecting_is_recorded_there(tmp_path):
    ctx, qn = _ctx(tmp_path)
    ctx.table(qn)
    value, names = ctx.collect(lambda: ctx.table(qn))
    assert value is not None and "table:public.users" in names
