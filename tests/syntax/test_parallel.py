"""Parsing on two cores gives exactly the serial load: same syntax model, same diagnostics."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dbmt.syntax as syntax
from dbmt.syntax import nodes, parallel, parse_files, parse_text
from dbmt.syntax.generic import parse_chunk
from dbmt.syntax.blocks import split_chunks
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

from claims import split_at

FIXTURES = Path(__file__).parent.parent / "fixtures"


def dump(x):
    """A syntax model as plain data: every slot of every node, offsets included."""
    if isinstance(x, nodes.Node):
        slots = [s for cls in type(x).__mro__ for s in getattr(cls, "__slots__", ())]
        return (type(x).__name__, tuple((s, dump(getattr(x, s))) for s in slots))
    if isinstance(x, (list, tuple)):
        return [dump(i) for i in x]
    if isinstance(x, dict):
        return {k: dump(v) for k, v in x.items()}
    assert x is None or isinstance(x, (str, int, float, bool)), type(x)
    return x


def dump_file(pf) -> tuple:
    return (pf.text, dump(pf.elements), dump(pf.errors), dump(pf.marks), dump(pf.comments),
            [(c.start, c.end, c.dangling) for c in pf.chunks])


def dump_workspace(ws: Workspace) -> dict:
    out = {}
    for path, st in ws.files.items():
        diags = [(d.code, d.severity, d.message, d.start, d.end,
                  [(r.path, r.start, r.end, r.message) for r in d.related]) for d in st.diagnostics]
        out[path] = (dump_file(st.model.parsed), diags)
    return out


@pytest.fixture
def counted_decodes(monkeypatch):
    """How many chunk parses came back from a worker (decoded in this process)."""
    seen = []
    real = parallel.decode_chunk

    def decode(x):
        seen.append(1)
        return real(x)

    monkeypatch.setattr(parallel, "decode_chunk", decode)
    return seen


def fixture_workspaces() -> list[Path]:
    return sorted({p.parent for p in FIXTURES.rglob("*.dbmt")} | {p.parent for p in FIXTURES.rglob("*.dbml")})


def open_ws(root: Path, min_chars: int, monkeypatch) -> Workspace:
    monkeypatch.setattr(parallel, "PARALLEL_MIN_CHARS", min_chars)
    monkeypatch.setattr(parallel, "SPAWN_MIN_CHARS", min_chars)
    syntax.DEFAULT_CACHE.data.clear()  # parse everything again, in the worker too
    return Workspace.open(root, config=Config(root=root))


def worker_takes_all(monkeypatch):
    """This process claims no file: the worker parses them all (forked, it sees the real claim)."""
    real = parallel._claim
    monkeypatch.setattr(parallel, "_claim", lambda ends, front: real(ends, front) if front else None)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_parallel_load_equals_serial_load_on_every_fixture_folder(method, monkeypatch, counted_decodes):
    if method not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    monkeypatch.setattr(parallel, "start_method", lambda: method)
    worker_takes_all(monkeypatch)
    roots = fixture_workspaces() if method == "fork" else [FIXTURES / "extensions" / "teams_broken"]
    for root in roots:
        if len(list(root.glob("*.dbm[lt]"))) < 2:
            continue
        serial = dump_workspace(open_ws(root, 10**12, monkeypatch))
        assert not counted_decodes
        parallel_ws = dump_workspace(open_ws(root, 0, monkeypatch))
        assert counted_decodes, f"{root}: the worker delivered nothing"
        counted_decodes.clear()
        assert parallel_ws == serial, root


def test_parallel_load_of_all_fixtures_as_one_workspace(tmp_path, monkeypatch, counted_decodes):
    # Many files with syntax errors, marks and every element kind, big enough for batches.
    for i, p in enumerate(sorted(FIXTURES.rglob("*.dbm[lt]"))):
        (tmp_path / f"{i:03d}_{p.name}").write_text(p.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(parallel, "BATCH_CHARS", 2_000)
    monkeypatch.setattr(parallel, "start_method", lambda: "fork" if "fork" in parallel.multiprocessing.get_all_start_methods() else "spawn")
    serial = dump_workspace(open_ws(tmp_path, 10**12, monkeypatch))
    here = []
    split_at(monkeypatch, len(list(tmp_path.glob("*.dbm[lt]"))) // 2)
    counting = syntax.parse_text
    monkeypatch.setattr(syntax, "parse_text", lambda text, cache=None: here.append(1) or counting(text, cache))
    par = dump_workspace(open_ws(tmp_path, 0, monkeypatch))
    assert counted_decodes and here, "both processes parse some of the files"
    assert par == serial


def test_a_worker_that_dies_costs_time_not_results(tmp_path, monkeypatch):
    if "fork" not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip("needs fork to patch the worker")
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.dbm[lt]"))]
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")

    def die(conn, ends, texts, batch_chars):
        for _ in range(3):
            parallel._claim(ends, front=True)  # claimed, never delivered
        os._exit(3)

    monkeypatch.setattr(parallel, "_work", die)
    got = parse_files(texts, cache=None, parallel_min_chars=0)
    assert [dump_file(pf) for pf in got] == [dump_file(parse_text(t, cache=None)) for t in texts]


def test_transfer_format_round_trips_every_fixture_chunk():
    for p in sorted(FIXTURES.rglob("*.dbm[lt]")):
        text = p.read_text(encoding="utf-8")
        for s, e in split_chunks(text) + [(0, len(text))]:
            cp = parse_chunk(text[s:e])
            back = parallel.decode_chunk(parallel.marshal.loads(parallel.marshal.dumps(parallel.encode_chunk(cp))))
            assert parallel.encode_chunk(back) == parallel.encode_chunk(cp)
            assert (back.comments, back.errors) == (cp.comments, cp.errors)


def test_small_loads_stay_in_process(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("a worker was started for a small load")

    monkeypatch.setattr(parallel, "parse_in_parallel", boom)
    parse_files(["Table a {\n  id int\n}\n", "Table b {\n  id int\n}\n"], cache=None)


def test_an_error_in_this_process_ends_the_worker(monkeypatch):
    if "fork" not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip("needs fork")
    texts = [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.dbm[lt]"))]
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    started = []
    real_process = parallel.multiprocessing.get_context("fork").Process

    class Recorded(real_process):
        def start(self):
            started.append(self)
            super().start()

    monkeypatch.setattr(parallel.multiprocessing.get_context("fork"), "Process", Recorded)

    def broken(text, cache=None):
        raise RuntimeError("a bug while parsing here")

    monkeypatch.setattr(syntax, "parse_text", broken)
    with pytest.raises(RuntimeError):
        parse_files(texts, cache=None, parallel_min_chars=0)
    assert started and all(not p.is_alive() for p in started)


def one_big_text() -> str:
    """Every fixture in one file: syntax errors, marks, dangling openers and every element kind."""
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(FIXTURES.rglob("*.dbm[lt]")))


def test_plan_units_cuts_a_big_file_between_its_chunks_in_order():
    big = one_big_text()
    small = "Table a {\n  id int\n}\n"
    units = parallel.plan_units([small, big, "", small], 2_000)
    assert units[0] == (0, None) and units[-2:] == [(2, None), (3, None)]
    stretches = [stretch for f, stretch in units if f == 1]
    assert len(stretches) > 4 and all(stretch is not None for stretch in stretches)
    assert stretches[0][0] == 0 and stretches[-1][1] == len(big)
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in zip(stretches, stretches[1:]))
    # each side splits its own stretches; together they are the file's split, the stretches
    # after a cut that was no boundary (the fixtures hold strings that never close) split again
    spans = []
    for a, b in stretches:
        run, ok = syntax.run_chunks(big, a, b)
        if not ok:
            spans += syntax.run_chunks(big, a, len(big))[0]
            break
        spans += run
    assert spans == syntax.marked_chunks(big)
    # a big file with nowhere to cut is one stretch, so that it still yields a file
    assert parallel.plan_units([" " * 10_000], 2_000) == [(0, (0, 10_000))]


def test_a_cut_inside_a_comment_or_string_is_not_taken_as_a_boundary(monkeypatch, counted_decodes):
    """Lines that look like the start of a table inside a block comment, a multi-line string or
    a multi-line expression. The cuts avoid the first two; a cut inside the third is found to
    be no boundary: the stretch before it runs on past it, and the rest of the file is split
    again."""
    unit = ("Table a {\n  id int\n}\n/*\nTable b {\n}\n*/\nTable c {\n  n int [note: '''\nTable d {\n''']\n}\n"
            "Table e {\n  m int [default: `\nTable f {\nTable f {\nTable f {\nTable f {\n`]\n}\n")
    text = unit * 200
    reference = dump_file(parse_text(text, cache=None))
    stretches = [s for _, s in parallel.plan_units([text], 300)]
    inside = [i for i in range(len(text)) if text.startswith("\nTable b", i) or text.startswith("\nTable d", i)]
    assert not {b for _, b in stretches} & {i + 1 for i in inside}, "no cut in the comment or the note"
    verdicts = [syntax.run_chunks(text, a, b)[1] for a, b in stretches]
    assert not all(verdicts) and any(verdicts), "some cuts fall inside the expression"
    monkeypatch.setattr(parallel, "UNIT_CHARS", 300)
    monkeypatch.setattr(parallel, "UNIT_MIN_CHARS", 300)
    monkeypatch.setattr(parallel, "BATCH_CHARS", 1_000)
    if "fork" not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method here")
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    for mid in (0, len(stretches) // 2, len(stretches)):  # this process all, half, none
        counted_decodes.clear()
        split_at(monkeypatch, mid)
        [pf] = parse_files([text], parallel_min_chars=0)
        assert dump_file(pf) == reference, mid
        assert bool(counted_decodes) == (mid > 0)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_one_big_file_is_parsed_on_both_sides_as_serially(method, monkeypatch, counted_decodes):
    if method not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    big = one_big_text()
    monkeypatch.setattr(parallel, "UNIT_CHARS", 3_000)
    monkeypatch.setattr(parallel, "UNIT_MIN_CHARS", 3_000)
    monkeypatch.setattr(parallel, "BATCH_CHARS", 2_000)
    monkeypatch.setattr(parallel, "start_method", lambda: method)
    serial = [dump_file(pf) for pf in parse_files([big, "Table a {\n  id int\n}\n"], cache=None, parallel_min_chars=10**12)]
    n_units = len(parallel.plan_units([big, ""], 3_000))
    if method == "fork":
        split_at(monkeypatch, n_units // 2)  # both sides parse some runs, whatever the timing
    else:
        worker_takes_all(monkeypatch)
    here = []
    real_at = syntax._parse_chunk_at
    monkeypatch.setattr(syntax, "_parse_chunk_at", lambda *a: here.append(1) or real_at(*a))
    par = [dump_file(pf) for pf in parse_files([big, "Table a {\n  id int\n}\n"], cache=None, parallel_min_chars=0)]
    assert counted_decodes, "the worker parsed runs of the big file"
    if method == "fork":
        assert here, "this process parsed runs of the big file too"
    assert par == serial


def test_one_big_file_workspace_loads_as_serially(tmp_path, monkeypatch):
    (tmp_path / "all.dbmt").write_text(one_big_text(), encoding="utf-8")
    monkeypatch.setattr(parallel, "UNIT_CHARS", 3_000)
    monkeypatch.setattr(parallel, "UNIT_MIN_CHARS", 3_000)
    monkeypatch.setattr(parallel, "start_method", lambda: "fork" if "fork" in parallel.multiprocessing.get_all_start_methods() else "spawn")
    serial = dump_workspace(open_ws(tmp_path, 10**12, monkeypatch))
    assert dump_workspace(open_ws(tmp_path, 0, monkeypatch)) == serial


def repeated_text() -> str:
    """Elements repeated as hostile and generated text repeats them, between distinct ones."""
    parts = []
    for i in range(120):
        parts.append("Table t {\n  id int [pk]\n}\n")       # the same table again and again
        parts.append("Ref: b.a_id > a.id\n")                  # a duplicated Ref line
        parts.append("Table open {\n")                        # never closed: repaired each time
        parts.append(f"Table u{i} {{\n  id int [note: 'x{i}']\n}}\n")  # distinct
    return "".join(parts)


def test_a_load_parses_each_repeated_chunk_text_once_with_the_same_result(monkeypatch):
    text = repeated_text()
    reference = dump_file(parse_text(text, cache=None))  # no memo: every chunk parsed
    parsed = []
    real = syntax.parse_chunk
    monkeypatch.setattr(syntax, "parse_chunk", lambda chunk: parsed.append(chunk) or real(chunk))
    monkeypatch.setattr(parallel, "start_method", lambda: None)
    [pf] = parse_files([text])
    assert dump_file(pf) == reference
    chunks = [text[s:e] for s, e in split_chunks(text)]
    assert len(chunks) == 480 and len(set(chunks)) == 123
    assert sorted(parsed) == sorted(set(chunks)), "each distinct chunk text parsed once"
    # The memo lasts for the load only: the next load parses again.
    parsed.clear()
    parse_files([text])
    assert len(parsed) == 123


def test_repeated_chunks_parsed_on_both_sides_equal_the_serial_parse(monkeypatch, counted_decodes):
    if "fork" not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method here")
    text = repeated_text()
    reference = dump_file(parse_text(text, cache=None))
    monkeypatch.setattr(parallel, "UNIT_CHARS", 1_000)
    monkeypatch.setattr(parallel, "UNIT_MIN_CHARS", 1_000)
    monkeypatch.setattr(parallel, "BATCH_CHARS", 2_000)
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    n_units = len(parallel.plan_units([text], 1_000))
    split_at(monkeypatch, n_units // 2)
    [pf] = parse_files([text], parallel_min_chars=0)
    assert dump_file(pf) == reference
    # The worker sent each repeated text's parse once per batch: fewer decodes than chunks.
    assert 0 < len(counted_decodes) < len(split_chunks(text)) // 2


PIECES = ["Table t {", "Table u", "{", "}", "Ref: a.b > c.d", "Enum e {", "TableGroup g {", "use * from './x'",
          "  id int [pk]", "  n int [note: '''", "'''", "/*", "*/", "// c", "`", "'", '"q"', "(", ")", "[", "]",
          "x", " ", "\r", "} Table v {", "Project p {", "%relation", "  `e`"]


@settings(max_examples=300, deadline=None)
@given(st.tuples(st.lists(st.lists(st.sampled_from(PIECES), max_size=4).map("".join), max_size=40),
                 st.sampled_from(["\n", "\r", "\r\n"])).map(lambda t: t[1].join(t[0])),
       st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_a_split_from_any_boundary_run_chunks_confirmed_goes_on_as_the_whole_split(text, cuts):
    whole = syntax.marked_chunks(text)
    for b in sorted({min(c, len(text)) for c in cuts}):
        first, ok = syntax.run_chunks(text, 0, b)
        if ok:
            assert first + syntax.run_chunks(text, b, len(text))[0] == whole, b
        else:
            assert first == [c for c in whole if c[1] <= b][:len(first)]
    # the stretches plan_units makes, joined as _join_runs joins them
    spans = []
    for a, b in [s or (0, len(text)) for _, s in parallel.plan_units([text], max(1, len(text) // 8))]:
        run, ok = syntax.run_chunks(text, a, b)
        if not ok:
            spans += syntax.run_chunks(text, a, len(text))[0]
            break
        spans += run
    assert spans == whole


def test_a_file_of_lone_cr_line_ends_is_cut_too(monkeypatch, counted_decodes):
    """Old Mac line ends: chunks end after a `}`, not at a newline. The cuts fall at the lone CRs
    and are boundaries, so such a file is parsed on both sides as well."""
    text = "".join(f"Table t{i} {{\r  id int [pk]\r  n varchar(9) [note: 'x{i}']\r}}\r" for i in range(300))
    stretches = [s for _, s in parallel.plan_units([text], 1_000)]
    assert len(stretches) > 4
    assert all(syntax.run_chunks(text, a, b)[1] for a, b in stretches)
    if "fork" not in parallel.multiprocessing.get_all_start_methods():
        pytest.skip("no fork start method here")
    reference = dump_file(parse_text(text, cache=None))
    monkeypatch.setattr(parallel, "UNIT_CHARS", 1_000)
    monkeypatch.setattr(parallel, "UNIT_MIN_CHARS", 1_000)
    monkeypatch.setattr(parallel, "BATCH_CHARS", 2_000)
    monkeypatch.setattr(parallel, "start_method", lambda: "fork")
    split_at(monkeypatch, len(stretches) // 2)
    [pf] = parse_files([text], parallel_min_chars=0)
    assert counted_decodes and dump_file(pf) == reference
