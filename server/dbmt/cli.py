"""`dbmt-lsp`: the language server (no arguments), `--check` for CI and pre-commit, `--expand`,
`--format-files` and `--export` (their logic lives in expand.py, format.py and export/).

Exit codes of --check: 0 no error-level finding, 1 at least one, 2 usage, I/O or config error
(one line on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import sys
from pathlib import Path

from . import __version__
from .diagnostics import Diagnostic, Related
from .report import FORMATS, THRESHOLDS, Report, add_diagnostics, relative, want_color, write
from .workspace.config import ConfigError, config_file_in, find_root, is_repository_root, load_config
from .workspace.files import SKIP_DIRS, discover, read_source

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
    p.add_argument("--stdio", action="store_true", help="run the language server on stdio (the default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="run the language server on a TCP socket instead")
    c = p.add_argument_group("checking", "exit status: 0 clean, 1 a finding at or above the threshold, "
                                         "2 usage, I/O or config error")
    c.add_argument("--check", nargs="*", metavar="PATH",
                   help="check files or folders (default: .), each as part of its whole workspace, "
                        "and report the findings in them")
    c.add_argument("--whole-workspace", action="store_true",
                   help="report on every file of the workspaces the PATHs belong to, not only on the PATHs "
                        "(the pre-commit hook's mode)")
    c.add_argument("--output-format", choices=FORMATS, default="text", metavar="FORMAT",
                   help="text (default), json, sarif (2.1.0), github (workflow commands) or junit")
    c.add_argument("--format", dest="output_format", choices=FORMATS, default=argparse.SUPPRESS,
                   help=argparse.SUPPRESS)  # the first name of --output-format, kept working
    c.add_argument("--severity-threshold", choices=THRESHOLDS, default="error", metavar="LEVEL",
                   help="lowest severity that fails the run: error (default), warning, info, hint, or none")
    c.add_argument("--config", metavar="FILE",
                   help="use this dbmt.toml (or pyproject.toml with [tool.dbmt]) for every workspace")
    c.add_argument("--statistics", action="store_true", help="also print the number of findings per code")
    c.add_argument("--quiet", "-q", action="store_true", help="no summary line")
    c.add_argument("--no-cache", action="store_true", help="ignore and do not write the .dbmt-cache result cache")
    x = p.add_argument_group("interop", "plain DBML, formatting and diagrams")
    x.add_argument("--expand", nargs="?", const=".", metavar="PATH",
                   help="write the workspace of PATH (default: .) as one plain DBML document")
    x.add_argument("-o", "--output", metavar="FILE", help="where --expand and --export write (default: stdout)")
    x.add_argument("--format-files", nargs="*", metavar="PATH",
                   help="format .dbmt/.dbml files in place (folders: every file under them; default: .)")
    x.add_argument("--check-only", action="store_true",
                   help="with --format-files: change nothing, list the files that are not formatted, exit 1 if any")
    x.add_argument("--export", choices=("mermaid", "dot", "json", "svg"), metavar="mermaid|dot|json|svg",
                   help="write a diagram of the workspace of PATH (default: .): a Mermaid erDiagram, Graphviz dot, "
                        "the dbmt/diagram model as JSON, or an SVG laid out as the editor's diagram (needs node)")
    p.add_argument("paths", nargs="*", metavar="PATH", help=argparse.SUPPRESS)
    return p


# What a check loaded, kept until the process exits when the console script runs it (entry):
# otherwise the workspace is freed object by object as the functions holding it return, before
# the exit (~30 ms of a 0.75 s check of 2,000 tables). Only the last root's: each root's
# workspace is freed before the next loads, as without it. None when main() is called
# in-process.
_KEPT_UNTIL_EXIT: list | None = None


def entry() -> None:
    """The `dbmt-lsp` console script: main(), then exit at once. Letting the interpreter free a
    loaded workspace object by object costs tens of milliseconds (40 ms for 2,000 tables) for
    memory the system takes back anyway: what a check loads is kept (_KEPT_UNTIL_EXIT)."""
    global _KEPT_UNTIL_EXIT
    _KEPT_UNTIL_EXIT = []
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
            return run_check((args.check + args.paths) or ["."], args.output_format, use_cache=not args.no_cache,
                             whole_workspace=args.whole_workspace, threshold=args.severity_threshold,
                             config_file=args.config, quiet=args.quiet, statistics=args.statistics)
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
    if args.tcp is not None and not _host_port(args.tcp):
        print(f"dbmt-lsp: --tcp wants HOST:PORT, got {args.tcp!r}", file=sys.stderr)
        return 2
    from .lsp.server import serve
    rc = serve(tcp=args.tcp)
    # The protocol's writer closed stdout: nothing more is printed (entry() must not flush it).
    os._exit(rc)


def _host_port(value: str) -> bool:
    host, _, port = value.rpartition(":")
    return port.isdigit() and 0 < int(port) < 65536


# -- --check ---------------------------------------------------------------------------------

def run_check(paths: list[str], fmt: str = "text", use_cache: bool = True, *, whole_workspace: bool = False,
              threshold: str = "error", config_file: str | None = None, quiet: bool = False,
              statistics: bool = False) -> int:
    # A check allocates and keeps: the workspace (Workspace.open pauses the cyclic GC while it
    # loads), then a finding and a place per diagnostic, which make no cycles. With the GC on,
    # the report's allocations started full collections over everything alive (8 of them for
    # 314,000 findings: 1.8 s of 15). Nothing a check makes needs the cyclic GC to be freed.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _run_check(paths, fmt, use_cache, whole_workspace=whole_workspace, threshold=threshold,
                          config_file=config_file, quiet=quiet, statistics=statistics)
    finally:
        # The console script exits right after (entry): a collection now would only walk what
        # it keeps for the exit (~0.1 s for 2,000 tables).
        if was_enabled and _KEPT_UNTIL_EXIT is None:
            gc.enable()


def _run_check(paths: list[str], fmt: str, use_cache: bool, *, whole_workspace: bool, threshold: str,
               config_file: str | None, quiet: bool, statistics: bool) -> int:
    cwd = Path.cwd()
    explicit_config = _explicit_config(config_file) if config_file else None
    # Every file named, or found under a folder named, is checked as part of its workspace
    # (config.find_root, with the working directory as the fallback): checking one file gives
    # the verdict checking the whole workspace gives it, as pre-commit calls hooks.
    explicit: dict[Path, list[Path]] = {}   # root → files named on the command line
    under: dict[Path, list[Path]] = {}      # root → folders named whose files it holds
    roots: dict[Path, object] = {}
    found_in: dict[Path, object] = {}       # folder → its WorkspaceRoot (many files share one)

    def root_of(folder: Path):
        r = found_in.get(folder)
        if r is None:
            r = found_in[folder] = find_root(folder, fallback=cwd)
            roots.setdefault(r.path, r)
        return r

    for p in paths:
        pp = Path(p)
        if not pp.exists():
            raise UsageError(f"no such file or directory: {p}")
        t = pp.resolve()
        if t.is_file():
            if t.suffix not in (".dbmt", ".dbml"):
                raise UsageError(f"not a .dbmt or .dbml file: {os.path.relpath(t, cwd)}")
            explicit.setdefault(root_of(t.parent).path, []).append(t)
            continue
        # A folder: its own workspace, and every workspace that starts below it.
        under.setdefault(root_of(t).path, []).append(t)
        for dirpath, dirnames, _files in os.walk(t):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for d in dirnames:
                sub = Path(dirpath) / d
                if config_file_in(sub) is not None or is_repository_root(sub):
                    r = root_of(sub)
                    if r.path == sub:
                        under.setdefault(sub, []).append(t)
    report = Report(threshold=threshold)
    for root in sorted(set(explicit) | set(under)):
        config = load_config(root, explicit_config or roots[root].config_file)
        files = discover(root, config)
        # Files named explicitly are checked even when include/exclude would skip them.
        extra = [str(t) for t in explicit.get(root, []) if str(t) not in files]
        files = files + extra
        ts = explicit.get(root, []) + under.get(root, [])
        wanted = [f for f in files if any(f == str(t) or (t.is_dir() and f.startswith(str(t) + os.sep)) for t in ts)]
        if whole_workspace:
            wanted = files
        if not wanted:
            # Nothing to report here: a folder named whose schema files all belong to nested
            # workspaces (`--check examples` from a repository root loads only examples/shop).
            continue
        diags, lines = _check_root(root, config, files, use_cache)
        wanted_set = set(wanted)
        report.files.extend(_rel(f, cwd) for f in wanted)
        add_diagnostics(report, [d for d in diags if d.path in wanted_set], lines.pos, cwd, root, lines.starts)
    report.files = sorted(set(report.files))
    if _KEPT_UNTIL_EXIT is not None:
        _KEPT_UNTIL_EXIT.append(report)
    color = fmt == "text" and want_color(sys.stdout)
    write(report, fmt, sys.stdout, sys.stderr, color=color, quiet=quiet, statistics=statistics)
    return report.exit_code


def _explicit_config(config_file: str) -> Path:
    """--config FILE: the file must exist; a pyproject.toml must have a [tool.dbmt] table."""
    path = Path(config_file)
    if not path.is_file():
        raise UsageError(f"--config: no such file: {config_file}")
    path = path.resolve()
    if path.name == "pyproject.toml":
        import tomllib

        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as e:
            raise ConfigError(f"{path}: not valid TOML ({e})") from None
        if not (isinstance(data.get("tool"), dict) and "dbmt" in data["tool"]):
            raise UsageError(f"--config: {config_file} has no [tool.dbmt] table")
    return path


class _Lines:
    """Offset → 1-based line/column for files, computed from the cached or loaded texts."""

    def __init__(self):
        self.texts: dict[str, object] = {}

    def add(self, path: str, line_index) -> None:
        self.texts[path] = line_index

    def starts(self, path: str) -> tuple[list[int], int] | None:
        """The line starts and length of a file whose text the check loaded (None for a file
        known only from the result cache: pos reads it)."""
        li = self.texts.get(path)
        if li is None:
            return None
        if not hasattr(li, "line_col"):
            li = self.texts[path] = li.lines
        return li.starts, len(li.text)

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


def _digest(path: str) -> str | None:
    try:
        return hashlib.sha1(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def _unchanged(digests: dict) -> bool:
    return all(_digest(p) == d for p, d in digests.items())


def _check_root(root: Path, config, files: list[str], use_cache: bool):
    lines = _Lines()
    cache_file = root / CACHE_DIR / "check.json"
    key = None
    if use_cache:
        key, _ = _fingerprint(config, files)
        try:
            data = json.loads(cache_file.read_text(encoding="utf-8"))
            if data.get("key") == key and _unchanged(data.get("outside", {})):
                return [Diagnostic(**{**d, "related": [Related(*r) for r in d["related"]]}) for d in data["diagnostics"]], lines
        except (OSError, ValueError, TypeError, KeyError):
            pass
    from .workspace import Workspace  # the parser and rules load only when the cache misses

    if _KEPT_UNTIL_EXIT is not None:
        _KEPT_UNTIL_EXIT.clear()  # a previous root's workspace goes before this one loads
    ws = Workspace.open(root, config=config, paths=files)
    if _KEPT_UNTIL_EXIT is not None:
        _KEPT_UNTIL_EXIT.append(ws)
    diags = [d for ds in ws.all_diagnostics().values() for d in ds]
    for p, st in ws.files.items():
        lines.add(p, st.model.parsed)
    if use_cache and key is not None:
        try:
            (root / CACHE_DIR).mkdir(exist_ok=True)
            (root / CACHE_DIR / ".gitignore").write_text("*\n", encoding="utf-8")
            # Files outside the root that `use` lines made the workspace load: the cache
            # holds only while they are unchanged too.
            listed = set(files)
            outside = {p: _digest(p) for p in ws.files if p not in listed}
            payload = {"key": key, "outside": outside, "diagnostics": [
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
    return relative(path, cwd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
