"""The workspace root and its configuration (`dbmt.toml` or `[tool.dbmt]` in pyproject.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ..check.registry import CODES, DBML_WARNINGS
from ..diagnostics import SEVERITIES, WARNING

SEVERITY_WORDS = set(SEVERITIES) | {"info", "off"}
KNOWN_KEYS = {"include", "exclude", "extension-limit", "severity", "analysis-budget-ms"}


class ConfigError(Exception):
    """A config file that cannot be used; the message is one line naming the file and the key."""


@dataclass
class Config:
    root: Path
    source: Path | None = None
    include: list[str] = field(default_factory=lambda: ["**/*.dbmt", "**/*.dbml"])
    exclude: list[str] = field(default_factory=list)
    extension_limit: int = 1024
    analysis_budget_ms: int = 1000
    severity: dict[str, str] = field(default_factory=dict)  # code → error|warning|information|hint|off

    def severity_of(self, code: str, dbml: bool = False) -> str | None:
        """The configured severity of a code, None when it is turned off. `dbml`: the finding
        is in a .dbml file, where the value rules default to warnings (DBML_WARNINGS)."""
        s = self.severity.get(code)
        if s is None:
            return WARNING if dbml and code in DBML_WARNINGS else CODES[code][0]
        if s == "off":
            return None
        return "information" if s == "info" else s


@dataclass(frozen=True)
class WorkspaceRoot:
    """Where a workspace starts, and why there (see `find_root`)."""

    path: Path
    config_file: Path | None   # dbmt.toml or pyproject.toml with [tool.dbmt]; None: defaults
    how: str                   # "config" | "git" | "fallback" | "start"


def config_file_in(d: Path) -> Path | None:
    """`d/dbmt.toml`, or `d/pyproject.toml` when it has a [tool.dbmt] table; else None."""
    if (d / "dbmt.toml").is_file():
        return d / "dbmt.toml"
    pp = d / "pyproject.toml"
    if pp.is_file():
        try:
            data = tomllib.loads(pp.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
            return None
        if isinstance(data.get("tool"), dict) and "dbmt" in data["tool"]:
            return pp
    return None


def is_repository_root(d: Path) -> bool:
    """`d` holds `.git` (a folder, or the file a worktree or submodule has)."""
    return (d / ".git").exists()


def find_root(start: Path, fallback: Path | None = None) -> WorkspaceRoot:
    """The workspace a file or folder belongs to. The one answer the CLI and the language
    server share, so that a file checked alone gets the verdict the whole workspace gives it.

    `start`: the file (or folder) being checked. `fallback`: what the client offers when
    nothing on disk decides — the editor's workspace folder for the language server, the
    working directory for `dbmt-lsp --check`. In order:
      1. the nearest folder at or above `start` holding `dbmt.toml` or a `pyproject.toml` with
         `[tool.dbmt]` (how = "config");
      2. else the nearest folder at or above `start` holding `.git`: the repository is the
         natural workspace, whatever subfolder the command runs in (how = "git");
      3. else `fallback`, when `start` lies inside it (how = "fallback");
      4. else the folder of `start` itself (how = "start").
    A folder below the root that is a root of its own (rule 1, or rule 2 when the root was not
    chosen by a config file) is a separate workspace: discovery skips it (`files.discover`).
    A `use` may still name a file outside the root: the workspace loads that file too.
    """
    start = start.resolve()
    if start.is_file():
        start = start.parent
    chain = [start, *start.parents]
    for d in chain:
        cf = config_file_in(d)
        if cf is not None:
            return WorkspaceRoot(d, cf, "config")
    for d in chain:
        if is_repository_root(d):
            return WorkspaceRoot(d, None, "git")
    if fallback is not None:
        fb = fallback.resolve()
        if start == fb or fb in start.parents:
            return WorkspaceRoot(fb, None, "fallback")
    return WorkspaceRoot(start, None, "start")


def is_separate_root(d: Path, outer: "Config") -> bool:
    """Whether folder `d`, below `outer`'s root, starts a workspace of its own (find_root would
    not answer `outer.root` for a file in it)."""
    if config_file_in(d) is not None:
        return True
    return outer.source is None and is_repository_root(d)


def load_config(root: Path, source: Path | None) -> Config:
    cfg = Config(root=root, source=source)
    if source is None:
        return cfg
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{source}: not valid TOML ({e})") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{source}: cannot be read ({e})") from None
    if source.name == "pyproject.toml":
        data = data.get("tool", {}).get("dbmt", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: [tool.dbmt] must be a table")
    for key in data:
        if key not in KNOWN_KEYS and key not in CODES:
            raise ConfigError(f"{source}: unknown key '{key}' (known: {', '.join(sorted(KNOWN_KEYS))}, or a code like DBMT306)")
    for key in ("include", "exclude"):
        if key in data:
            v = data[key]
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise ConfigError(f"{source}: '{key}' must be a list of glob strings")
            setattr(cfg, key, list(v))
    for key, attr in (("extension-limit", "extension_limit"), ("analysis-budget-ms", "analysis_budget_ms")):
        if key in data:
            v = data[key]
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ConfigError(f"{source}: '{key}' must be a positive integer, got {v!r}")
            setattr(cfg, attr, v)
    overrides = dict(data.get("severity", {}) or {})
    if not isinstance(overrides, dict):
        raise ConfigError(f"{source}: 'severity' must be a table of CODE = \"level\"")
    overrides.update({k: v for k, v in data.items() if k in CODES})
    for code, level in overrides.items():
        if code not in CODES:
            raise ConfigError(f"{source}: unknown diagnostic code '{code}' in severity overrides")
        if not isinstance(level, str) or level.lower() not in SEVERITY_WORDS:
            raise ConfigError(f"{source}: severity of {code} must be one of error, warning, info, hint, off; got {level!r}")
        cfg.severity[code] = level.lower()
    return cfg
