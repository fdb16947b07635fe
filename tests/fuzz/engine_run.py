"""Runs the whole engine on one fuzz case and says what went wrong: parse, workspace index, every
rule, and the re-parse and re-check after an edit compared with a fresh load of the edited text
(and the diagram model the language server keeps across the edit with the one built afresh).

A case is a workspace (relative path → bytes, written to a throwaway folder and loaded the way the
CLI loads it, `read_source` included) plus an edit (file, offset, length cut, text inserted).
`run_case` returns a list of `Failure`s, empty when the engine behaved. It never raises for
anything the engine does: an exception escaping the engine is itself a failure.

Work is counted, not timed: Python function calls under `sys.setprofile`, and the deepest call
stack seen, so the verdict is the same on a busy machine and an idle one. The bound is linear in
the input, calibrated on the repository's fixtures (see `WorkBudget`).
"""

from __future__ import annotations

import gc
import os
import shutil
import sys
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from dbmt.check import sqlexpr, values
from dbmt.export import diagram as diagram_model
from dbmt.syntax import nodes as n
from dbmt.syntax import DEFAULT_CACHE, ChunkCache, generic, parallel, parse_text
from dbmt.syntax.blocks import marked_chunks, run_chunks
from dbmt.syntax.positions import LineIndex
import dbmt.workspace as workspace
from dbmt.workspace import Workspace
from dbmt.workspace.config import Config

# Kinds of failure, as the bench table counts them.
EXCEPTION = "exception"
RULE_ERROR = "DBMT900"
BAD_RANGE = "bad-range"
INCREMENTAL = "incremental-differs"
WORK = "work-budget"
DEPTH = "recursion-depth"
KINDS = (EXCEPTION, RULE_ERROR, BAD_RANGE, INCREMENTAL, WORK, DEPTH)


@dataclass
class Failure:
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


@dataclass
class Edit:
    """Replace text[at:at+cut] by `insert` in file `path` (offsets clamped to the text)."""
    path: str
    at: int
    cut: int
    insert: str


@dataclass
class Case:
    files: dict[str, bytes]
    edit: Edit | None = None
    source: str = "generated"  # generated | mutated | pathological
    label: str = ""
    measure: "Measure | None" = None  # the load's work, set by run_case

    def size(self) -> int:
        return sum(len(b) for b in self.files.values())


@dataclass
class WorkBudget:
    """Calls allowed for a load or an edit: `base + per_byte * bytes`, and a stack depth.

    Calibrated on tests/fixtures and examples/shop (`calibrate` in this module prints the
    figures): the most calls per byte a fixture workspace takes to load and check is ~10
    (examples/shop; small files pay a fixed cost per file and per rule, which `base` and
    `per_file` cover), so 60 per byte leaves room for dense inputs (every byte a token) without
    letting a quadratic shape through once it is a few kilobytes long. The deepest stack a
    fixture needs is 46 calls; nesting in the text must not become nesting of calls, so 100."""
    base: int = 20_000
    per_file: int = 10_000
    per_byte: int = 60
    depth: int = 100

    def calls_allowed(self, nbytes: int, nfiles: int) -> int:
        return self.base + self.per_file * nfiles + self.per_byte * nbytes


DEFAULT_BUDGET = WorkBudget()


@dataclass
class Measure:
    calls: int = 0
    depth: int = 0


class _Counter:
    """sys.setprofile hook: counts Python calls and tracks the deepest stack, relative to where
    counting started."""

    def __init__(self):
        self.calls = 0
        self.level = 0
        self.deepest = 0

    def __call__(self, frame, event, arg):
        if event == "call":
            self.calls += 1
            self.level += 1
            if self.level > self.deepest:
                self.deepest = self.level
        elif event == "return":
            self.level -= 1

    def run(self, fn, *args, **kwargs):
        # The cyclic GC is paused while counting: a collection would run the finalizers of
        # earlier cases' garbage, and count them as this case's work.
        old = sys.getprofile()
        was_enabled = gc.isenabled()
        gc.disable()
        sys.setprofile(self)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.setprofile(old)
            if was_enabled:
                gc.enable()


def measured(fn, *args, **kwargs):
    """(result, Measure) of fn(*args); exceptions propagate."""
    c = _Counter()
    out = c.run(fn, *args, **kwargs)
    return out, Measure(c.calls, c.deepest)


# -- comparing results ---------------------------------------------------------------------------

def dump_parse(pf):
    return (n.dump(pf.elements), n.dump(pf.marks), n.dump(pf.comments), n.dump(pf.errors),
            tuple((c.start, c.end) for c in pf.chunks))


def diagram_json(ws: Workspace, cache=None) -> dict:
    """The `dbmt/diagram` model (UTF-16 ranges, file URIs), built with `cache` as the language
    server builds it after an edit, or from nothing."""
    return diagram_model.materialize(diagram_model.build(ws, cache), diagram_model.utf16_spans(ws),
                                     diagram_model.file_uri, {} if cache is not None else None)


def dump_diagnostics(ws: Workspace, root: str) -> dict:
    def rel(p):
        return os.path.relpath(p, root)
    return {rel(p): [(d.code, d.severity, d.start, d.end, d.message,
                      tuple((rel(r.path), r.start, r.end, r.message) for r in d.related))
                     for d in ds]
            for p, ds in sorted(ws.all_diagnostics().items())}


def first_difference(a, b, path="") -> str:
    """Where two nested tuples/dicts first differ, for a readable failure."""
    if type(a) is not type(b):
        return f"{path}: {a!r:.200} != {b!r:.200}"
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b), key=str):
            if a.get(k) != b.get(k):
                return first_difference(a.get(k), b.get(k), f"{path}/{k}")
    if isinstance(a, (list, tuple)):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
        if len(a) != len(b):
            return f"{path}: length {len(a)} != {len(b)}; extra {(a[len(b):] or b[len(a):])[:2]!r:.300}"
    return f"{path}: {a!r:.300} != {b!r:.300}"


# -- checks on one loaded workspace --------------------------------------------------------------

def range_problem(text: str, start: int, end: int, li: LineIndex | None = None) -> str | None:
    """Why (start, end) is not a range of `text` on character boundaries, or None. `li`: the
    text's LineIndex, when the caller has it (one per file, not one per diagnostic)."""
    if not (isinstance(start, int) and isinstance(end, int)):
        return f"offsets {start!r}, {end!r} are not integers"
    if not 0 <= start <= end <= len(text):
        return f"range {start}..{end} outside the text (length {len(text)})"
    if li is None:
        li = LineIndex(text)
    for off in (start, end):
        # Every offset must survive the trip to an LSP position and back (UTF-16 columns): an
        # offset inside a surrogate pair or past a line's end would not.
        line, col16 = li.line_utf16(off)
        if li.offset_utf16(line, col16) != off:
            return f"offset {off} does not survive UTF-16 position ({line}, {col16})"
        if 0 < off < len(text) and 0xDC00 <= ord(text[off]) <= 0xDFFF and 0xD800 <= ord(text[off - 1]) <= 0xDBFF:
            return f"offset {off} splits a surrogate pair"
    return None


def check_diagnostics(ws: Workspace, root: str, when: str) -> list[Failure]:
    out: list[Failure] = []
    texts = {p: st.model.parsed.text for p, st in ws.files.items()}
    lines: dict[str, LineIndex] = {}

    def index(path: str) -> LineIndex:
        li = lines.get(path)
        if li is None:
            li = lines[path] = LineIndex(texts[path])
        return li

    for path, diags in ws.all_diagnostics().items():
        rel = os.path.relpath(path, root)
        for d in diags:
            if d.code == "DBMT900":
                out.append(Failure(RULE_ERROR, f"{when}, {rel}: {d.message}"))
            why = range_problem(texts[path], d.start, d.end, index(path))
            if why:
                out.append(Failure(BAD_RANGE, f"{when}, {rel}: {d.code} {why}"))
            for r in d.related:
                if r.path not in texts:
                    continue  # a file outside the workspace (not loaded); nothing to check against
                why = range_problem(texts[r.path], r.start, r.end, index(r.path))
                if why:
                    out.append(Failure(BAD_RANGE, f"{when}, {rel}: {d.code} related in "
                                                  f"{os.path.relpath(r.path, root)}: {why}"))
    return out


# -- one case ------------------------------------------------------------------------------------

class _InProcess:
    """Parse and check in this process (no forked worker), so every call is counted; a worker's
    results are the serial ones (tests/syntax/test_parallel.py, tests/workspace/test_parallel_check.py)."""

    def __enter__(self):
        self.saved = parallel.PARALLEL_MIN_CHARS, parallel.SPAWN_MIN_CHARS, workspace.CHECK_PARALLEL_MIN_CHARS
        parallel.PARALLEL_MIN_CHARS = parallel.SPAWN_MIN_CHARS = workspace.CHECK_PARALLEL_MIN_CHARS = 1 << 62

    def __exit__(self, *exc):
        parallel.PARALLEL_MIN_CHARS, parallel.SPAWN_MIN_CHARS, workspace.CHECK_PARALLEL_MIN_CHARS = self.saved


def _cold() -> None:
    """Empty the engine's caches of earlier inputs, so that the work counted for a case does not
    depend on which cases ran before it (the parse table itself stays loaded: `warm`)."""
    DEFAULT_CACHE.data.clear()
    values._identity.cache_clear()
    sqlexpr._parse_cached.cache_clear()


def warm() -> None:
    generic.driver()
    parse_text("Table t {\n  id int [pk, default: `now()`]\n}\n", cache=ChunkCache())
    sqlexpr._parse_cached("now()")


def _write(root: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)


def _open(root: Path) -> Workspace:
    return Workspace.open(root, config=Config(root=root))


def apply_edit(text: str, edit: Edit) -> str:
    at = max(0, min(edit.at, len(text)))
    return text[:at] + edit.insert + text[at + max(0, edit.cut):]


def _escaped(kind: str, when: str, exc: BaseException) -> Failure:
    tb = traceback.extract_tb(exc.__traceback__)
    where = "; ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in tb[-4:])
    return Failure(kind, f"{when}: {type(exc).__name__}: {str(exc)[:200]} ({where})")


def run_case(case: Case, budget: WorkBudget = DEFAULT_BUDGET, count_work: bool = True) -> list[Failure]:
    failures: list[Failure] = []
    tmp = Path(tempfile.mkdtemp(prefix="dbmt-fuzz-"))
    root = tmp.resolve()
    nbytes, nfiles = case.size(), max(1, len(case.files))
    allowed = budget.calls_allowed(nbytes, nfiles)

    def within(m: Measure, when: str, size: int) -> None:
        if not count_work:
            return
        limit = budget.calls_allowed(size, nfiles)
        if m.calls > limit:
            failures.append(Failure(WORK, f"{when}: {m.calls:,} calls for {size:,} bytes "
                                          f"({m.calls / max(size, 1):.0f}/byte; allowed {limit:,})"))
        if m.depth > budget.depth:
            failures.append(Failure(DEPTH, f"{when}: call depth {m.depth} (allowed {budget.depth})"))

    try:
        _write(root, case.files)
        warm()
        _cold()
        with _InProcess():
            try:
                if count_work:
                    ws, m = measured(_open, root)
                else:
                    ws, m = _open(root), Measure()
            except RecursionError as exc:
                return [_escaped(DEPTH, "load", exc)]
            except Exception as exc:
                return [_escaped(EXCEPTION, "load", exc)]
            case.measure = m
            within(m, "load", nbytes)
            failures += check_diagnostics(ws, str(root), "load")
            if case.edit is None or not ws.files:
                return failures
            target = str(root / case.edit.path)
            if target not in ws.files:
                target = sorted(ws.files)[0]
            old_text = ws.files[target].model.parsed.text
            new_text = apply_edit(old_text, case.edit)
            disk_text = new_text  # what the fresh load reads from disk (read_source drops one BOM)
            if new_text.startswith("\ufeff"):
                # The fresh load reads the file from disk, and read_source drops a leading BOM as
                # every editor does; the edited text is given as the engine would read it.
                new_text = new_text[1:]

            # The syntax layer alone: re-parse after the edit against a fresh parse (no cache).
            try:
                pf = parse_text(old_text)
                re_pf = parse_text(new_text, previous=pf)
                fresh_pf = parse_text(new_text, cache=ChunkCache())
                if dump_parse(re_pf) != dump_parse(fresh_pf):
                    failures.append(Failure(INCREMENTAL, "re-parse vs fresh parse: "
                                            + first_difference(dump_parse(re_pf), dump_parse(fresh_pf))))
            except RecursionError as exc:
                failures.append(_escaped(DEPTH, "re-parse", exc))
            except Exception as exc:
                failures.append(_escaped(EXCEPTION, "re-parse", exc))

            # One big file's split on two cores (parallel.plan_units, blocks.run_chunks): its
            # stretches, joined as syntax._join_runs joins them, give the file's own split.
            try:
                joined: list = []
                for _f, stretch in parallel.plan_units([new_text], max(1, len(new_text) // 16)):
                    a, b = stretch or (0, len(new_text))
                    run, ok = run_chunks(new_text, a, b)
                    if not ok:
                        joined += run_chunks(new_text, a, len(new_text))[0]
                        break
                    joined += run
                whole = marked_chunks(new_text)
                if joined != whole:
                    failures.append(Failure(INCREMENTAL, "stretches split apart vs the whole split: "
                                            + first_difference(joined, whole)))
            except RecursionError as exc:
                failures.append(_escaped(DEPTH, "split in stretches", exc))
            except Exception as exc:
                failures.append(_escaped(EXCEPTION, "split in stretches", exc))

            # The diagram model as the language server keeps it across edits (BuildCache).
            try:
                cache = diagram_model.BuildCache()
                diagram_json(ws, cache)
            except RecursionError as exc:
                failures.append(_escaped(DEPTH, "diagram model", exc))
                cache = None
            except Exception as exc:
                failures.append(_escaped(EXCEPTION, "diagram model", exc))
                cache = None

            # The workspace: update_file (incremental re-parse and re-check) against a fresh load.
            # Half the cases re-check the language server's way: the update leaves its units to
            # check_some, a slice of 1 to 5 units at a time (which half and the slice size
            # follow from the text, so a case always runs the same).
            deferred = len(new_text) % 2 == 1
            mode = "update_file(defer) + check_some" if deferred else "update_file"

            def edit() -> None:
                if not deferred:
                    ws.update_file(target, new_text)
                    return
                ws.update_file(target, new_text, defer=True)
                k = 1 + len(new_text) % 5
                while not ws.check_some(k):
                    pass

            try:
                if count_work:
                    _, m2 = measured(edit)
                    within(m2, "edit", nbytes + len(case.edit.insert))
                else:
                    edit()
            except RecursionError as exc:
                failures.append(_escaped(DEPTH, "edit", exc))
                return failures
            except Exception as exc:
                failures.append(_escaped(EXCEPTION, "edit", exc))
                return failures
            failures += check_diagnostics(ws, str(root), "edit")
            Path(target).write_text(disk_text, encoding="utf-8", newline="")
            try:
                fresh = _open(root)
            except Exception as exc:
                failures.append(_escaped(EXCEPTION, "fresh load after edit", exc))
                return failures
            a, b = dump_diagnostics(ws, str(root)), dump_diagnostics(fresh, str(root))
            if a != b:
                failures.append(Failure(INCREMENTAL, f"diagnostics after {mode} vs fresh load: "
                                        + first_difference(a, b)))
            na = {os.path.relpath(p, root): dump_parse(st.model.parsed) for p, st in sorted(ws.files.items())}
            nb = {os.path.relpath(p, root): dump_parse(st.model.parsed) for p, st in sorted(fresh.files.items())}
            if na != nb:
                failures.append(Failure(INCREMENTAL, f"nodes after {mode} vs fresh load: "
                                        + first_difference(na, nb)))
            if cache is not None:
                try:
                    kept, new_model = diagram_json(ws, cache), diagram_json(fresh)
                except Exception as exc:
                    failures.append(_escaped(EXCEPTION, "diagram model after edit", exc))
                else:
                    if kept != new_model:
                        failures.append(Failure(INCREMENTAL, "diagram model kept across the edit vs built from the "
                                                "fresh load: " + first_difference(kept, new_model)))
        return failures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        # Workspace.open freezes what it loaded (gc.freeze); a fuzz run loads thousands of
        # workspaces in one process, so give them back to the collector.
        gc.unfreeze()


def calibrate() -> None:
    """Print the calls per byte of every fixture workspace (the figures WorkBudget rests on)."""
    from fuzz_inputs import fixture_units
    rows = []
    for name, files in fixture_units():
        case = Case(dict(files))
        fails = run_case(case)
        m = case.measure
        rows.append((m.calls / max(case.size(), 1), m.calls, case.size(), m.depth, name, len(fails)))
    for r in sorted(rows)[-15:]:
        print(f"{r[0]:8.1f}/byte  {r[1]:>10,} calls  {r[2]:>7,} bytes  depth {r[3]:>4}  {r[4]}  failures {r[5]}")
    print("max depth", max(r[3] for r in rows))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    calibrate()
