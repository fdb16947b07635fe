"""Index → diagnostics: runs every registered rule for one file, isolating failures per rule."""

from __future__ import annotations

import importlib
import traceback

from ..diagnostics import Diagnostic
from .registry import CODES, RULES

# Rule modules register themselves on import; one module per rule family. They are imported on
# the first check, so that reading the code registry (config, a warm cached --check) stays cheap.
RULE_MODULES = ("names", "marks", "relations", "traits", "extensions", "events", "values", "dbml")
_loaded = False


_Ctx = None  # check.context.Ctx, imported with the rules


def load_rules() -> None:
    global _loaded, _Ctx
    if _loaded:
        return
    for m in RULE_MODULES:
        importlib.import_module(f"{__name__}.{m}")
    from .context import Ctx
    _Ctx = Ctx
    _loaded = True


def run_rules(index, fm, config, cache: dict, decode_problem=None, store=None, chunk=None) -> tuple[list[Diagnostic], set[str]]:
    """Every rule on one unit of a file: a chunk (one top-level element), or the whole file
    when `chunk` is None. Returns its diagnostics and the names they depend on."""
    load_rules()
    ctx = _Ctx(index, fm, config, cache, store, chunk)
    if decode_problem is not None:
        off, reason = decode_problem
        ctx.report("DBMT001", reason, off, off + 1)
    for err in (fm.parsed.errors if chunk is None else chunk.errors):
        ctx.report(err.code, err.message, err.start, err.end)
    index.recording = ctx.deps
    try:
        _run(ctx, fm)
    finally:
        index.recording = None
    ctx.out.sort(key=Diagnostic.sort_key)
    return ctx.out, ctx.deps


def decode_diagnostic(config, path: str, problem) -> list[Diagnostic]:
    """DBMT001 for a file that is not valid UTF-8: where, and why (none when DBMT001 is off)."""
    off, reason = problem
    severity = config.severity_of("DBMT001")
    return [Diagnostic("DBMT001", severity, reason, path, off, off + 1)] if severity else []


def _run(ctx, fm) -> None:
    for name, _codes, fn in RULES:
        try:
            fn(ctx)
        except Exception as exc:  # a bug in one rule must not hide the others' findings
            first = traceback.extract_tb(exc.__traceback__)[-1]
            ctx.out.append(Diagnostic(
                "DBMT900", "information",
                f"internal error in rule {name}: {type(exc).__name__}: {exc} ({first.filename.rsplit('/', 1)[-1]}:{first.lineno}); other rules ran",
                fm.path, ctx.start, ctx.start))  # at its unit, so it moves with it


__all__ = ["run_rules", "decode_diagnostic", "CODES"]
