"""`dbmt-lsp`: the language server (no arguments), `--check` for CI and pre-commit, `--expand`,
`--format-files` and `--export` (their logic lives in expand.py, format.py and export/).

Exit codes of --check: 0 no error-level finding, 1 at least one, 2 usage, I/O or config error
(one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from . import __version__
from .diagnostics import ERROR, HINT, INFORMATION, WARNING, Diagnostic, Related
from .workspace.config import ConfigError, find_root, load_config
from .workspace.files import discover, read_source

CACHE_DIR = ".dbmt-cache"
CACHE_FORMAT = 1


class UsageError(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dbmt-lsp",
        description="Language server and checker for dbmt schema files (DBML plus marks). "
                    "With no arguments, runs the language server on stdio.",
    )
    p.add_argument("--version", action="version", version=f"dbmt-lsp {__version__}")
    p.add_argument("--check", nargs="*", metavar="PATH",
                   help="check files or folders (default: .) and print diagnostics")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format of --check")
    p.add_argument("--no-cache", action="store_true", help="ignore and do not write the .dbmt-cache result cache")
    p.add_argument("--stdio", action="store_true", help="run the language server on stdio (the default)")
    p.add_argument("--expand", nargs="?", const=".", metavar="PATH",
                   help="write the workspace of PATH (default: .) as one plain DBML document")
    p.add_argument("-o", "--output", metavar="FILE", help="where --expand and --export write (default: stdout)")
    p.add_argument("--format-files", nargs="*", metavar="PATH",
                   help="format .dbmt/.dbml files in place (folders: every file under them; default: .)")
    p.add_argument("--check-only", action="store_true",
                   help="with --format-files: change nothing, list the files that are not formatted, exit 1 if any")
    p.add_argument("--export", choices=("mermaid", "dot"), metavar="mermaid|dot",
                   help="write a diagram of the workspace of PATH (default: .): a Mermaid erDiagram or Graphviz dot")
    p.add_argument("paths", nargs="*", metavar="PATH", help=argparse.SUPPRESS)
    return p


def entry() -> None:
    """The `dbmt-lsp` console script: main(), then exit at once. Letting the interpreter free a
    loaded workspace object by object costs tens of milliseconds (40 ms for 2,000 tables) for
    memory the system takes back anyway."""
    rc = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        rc = rc or 2  # output could not be written (a closed pipe)
    os._exit(rc)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0) if e.code in (0, None) else 2
    if args.paths and args.check is None and args.export is None and args.format_files is None:
        print("dbmt-lsp: paths are only taken with --check, --format-files or --export", file=sys.stderr)
        return 2
    if args.check_only and args.format_files is None:
        print("dbmt-lsp: --check-only goes with --format-files", file=sys.stderr)
        return 2
    if args.output is not None and args.expand is None and args.export is None:
        print("dbmt-lsp: -o/--output goes with --expand or --export", file=sys.stderr)
        return 2
    if args.expand is not None:
        from .expand import main as expand_main
        return expand_main(args.expand, args.output)
    if args.export is not None:
        if len(args.paths) > 1:
            print("dbmt-lsp: --export takes one PATH", file=sys.stderr)
            return 2
        from .export import main as export_main
        return export_main(args.export, args.paths[0] if args.paths else ".", args.output)
    if args.format_files is not None:
        from .format import main as format_main
        return format_main((args.format_files + args.paths) or ["."], check_only=args.check_only)
    if args.check is not None:
        try:
            return run_check((args.check + args.paths) or ["."], args.format, use_cache=not args.no_cache)
        except (UsageError, ConfigError) as e:
            print(f"dbmt-lsp: {e}", file=sys.stderr)
            return 2
        except BrokenPipeError:
            # The reader went away (`dbmt-lsp --check | head`): nothing more to say to it.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 2
        except OSError as e:
            print(f"dbmt-lsp: cannot read {e.filename}: {e.strerror}", file=sys.stderr)
            return 2
    try:
        from .lsp.server import serve
    except ModuleNotFoundError:
        print("dbmt-lsp: the language server is not part of this build yet; use --check", file=sys.stderr)
        return 2
    serve()
    return 0


# -- --check ---------------------------------------------------------------------------------

def run_check(paths: list[str], fmt: str, use_cache: bool = True) -> int:
    cwd = Path.cwd()
    targets: list[Path] = []
    for p in paths:
        pp = Path(p)
        if not pp.exists():
            raise UsageError(f"no such file or directory: {p}")
        targets.append(pp.resolve())
    # Group the targets by workspace root; each root is loaded once, whole, because names cross files.
    by_root: dict[Path, list[Path]] = {}
    for t in targets:
        start = t if t.is_dir() else t.parent
        root, _ = find_root(start)
        by_root.setdefault(root, []).append(t)
    results: list[tuple[str, Diagnostic, object]] = []
    files_checked = 0
    for root, ts in by_root.items():
        _, source = find_root(root)
        config = load_config(root, source)
        files = discover(root, config)
        # Files named explicitly are checked even when include/exclude would skip them.
        extra = [str(t) for t in ts if t.is_file() and str(t) not in files]
        for t in extra:
            if not (t.endswith(".dbmt") or t.endswith(".dbml")):
                raise UsageError(f"not a .dbmt or .dbml file: {os.path.relpath(t, cwd)}")
        files = files + extra
        wanted = [f for f in files if any(f == str(t) or (t.is_dir() and f.startswith(str(t) + os.sep)) for t in ts)]
        diags, lines = _check_root(root, config, files, use_cache)
        files_checked += len(wanted)
        wanted_set = set(wanted)
        for d in diags:
            if d.path in wanted_set:
                results.append((d.path, d, lines))
    results.sort(key=lambda r: r[1].sort_key())
    if fmt == "json":
        print(json.dumps(_json_report(results, files_checked, cwd), ensure_ascii=False))
    else:
        _print_text(results, files_checked, cwd)
    return 1 if any(d.severity == ERROR for _, d, _ in results) else 0


class _Lines:
    """Offset → 1-based line/column for files, computed from the cached or loaded texts."""

    def __init__(self):
        self.texts: dict[str, object] = {}

    def add(self, path: str, line_index) -> None:
        self.texts[path] = line_index

    def pos(self, path: str, offset: int) -> tuple[int, int]:
        li = self.texts.get(path)
        if li is not None and not hasattr(li, "line_col"):
            li = self.texts[path] = li.lines  # a parsed file: its line index, built on first use
        if li is None:
            from .syntax.positions import LineIndex
            text, _ = read_source(path)
            li = LineIndex(text)
            self.texts[path] = li
        line, col = li.line_col(offset)
        return line + 1, col + 1


def _engine_digest() -> str:
    """The checker's own code and grammar: cached results are only as good as the rules that
    made them, and a development install changes them without a new version number."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha1()
    for f in sorted([*here.rglob("*.py"), *here.rglob("*.lark")]):
        h.update(str(f.relative_to(here)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _fingerprint(config, files: list[str]) -> tuple[str, dict[str, str]]:
    h = hashlib.sha256(f"{__version__}|{CACHE_FORMAT}|{_engine_digest()}|{config!r}".encode())
    per_file = {}
    for f in sorted(files):
        data = Path(f).read_bytes()
        d = hashlib.sha1(data).hexdigest()
        per_file[f] = d
        h.update(f.encode() + b"\0" + d.encode())
    return h.hexdigest(), per_file


def _check_root(root: Path, config, files: list[str], use_cache: bool):
    lines = _Lines()
    cache_file = root / CACHE_DIR / "check.json"
    key = None
    if use_cache:
        key, _ = _fingerprint(config, files)
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if data.get("key") == key:
                return [Diagnostic(**{**d, "related": [Related(*r) for r in d["related"]]}) for d in data["diagnostics"]], lines
        except (OSError, ValueError, TypeError, KeyError):
            pass
    from .workspace import Workspace  # the parser and rules load only when the cache misses

    ws = Workspace.open(root, config=config, paths=files)
    diags = [d for ds in ws.all_diagnostics().values() for d in ds]
    for p, st in ws.files.items():
        lines.add(p, st.model.parsed)
    if use_cache and key is not None:
        try:
            (root / CACHE_DIR).mkdir(exist_ok=True)
            (root / CACHE_DIR / ".gitignore").write_text("*\n", encoding="utf-8")
            payload = {"key": key, "diagnostics": [
                {"code": d.code, "severity": d.severity, "message": d.message, "path": d.path,
                 "start": d.start, "end": d.end, "related": [[r.path, r.start, r.end, r.message] for r in d.related], "data": d.data}
                for d in diags]}
            tmp = cache_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload), encoding="utf-8")
            tmp.replace(cache_file)
        except OSError:
            pass  # a read-only checkout still gets its results, just not cached
    return diags, lines


def _rel(path: str, cwd: Path) -> str:
    try:
        return os.path.relpath(path, cwd).replace(os.sep, "/")
    except ValueError:
        return path.replace(os.sep, "/")


def _json_report(results, files_checked: int, cwd: Path) -> dict:
    out = []
    for path, d, lines in results:
        l1, c1 = lines.pos(d.path, d.start)
        l2, c2 = lines.pos(d.path, d.end)
        rel = []
        for r in d.related:
            rl, rc = lines.pos(r.path, r.start)
            rel.append({"path": _rel(r.path, cwd), "line": rl, "column": rc, "message": r.message})
        out.append({"path": _rel(path, cwd), "line": l1, "column": c1, "end_line": l2, "end_column": c2,
                    "severity": d.severity, "code": d.code, "message": d.message, "related": rel})
    return {"version": 1, "files_checked": files_checked, "diagnostics": out}


def _print_text(results, files_checked: int, cwd: Path) -> None:
    counts = {ERROR: 0, WARNING: 0, INFORMATION: 0, HINT: 0}
    files_with = set()
    for path, d, lines in results:
        l1, c1 = lines.pos(d.path, d.start)
        print(f"{_rel(path, cwd)}:{l1}:{c1}: {d.severity} {d.code} {d.message}")
        counts[d.severity] = counts.get(d.severity, 0) + 1
        files_with.add(path)
    def plural(n, word):
        return f"{n} {word}{'' if n == 1 else 's'}"
    parts = [plural(counts[ERROR], "error"), plural(counts[WARNING], "warning")]
    if counts[INFORMATION]:
        parts.append(f"{counts[INFORMATION]} information")
    if counts[HINT]:
        parts.append(plural(counts[HINT], "hint"))
    print(f"{', '.join(parts)} in {plural(len(files_with), 'file')} ({plural(files_checked, 'file')} checked)")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
