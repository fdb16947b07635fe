"""Which files make a workspace, and reading them (kept free of the parser, for a cheap warm --check)."""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from .config import Config, is_separate_root

SKIP_DIRS = {".git", "node_modules", ".venv", "__pycache__", ".dbmt-cache"}


def discover(root: Path, config: Config) -> list[str]:
    """Every *.dbmt / *.dbml file under root, minus .git, node_modules, `exclude` globs and
    folders that are workspaces of their own (a nested dbmt.toml, or a nested repository when
    no config file chose this root: config.is_separate_root)."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames
                             if d not in SKIP_DIRS and not is_separate_root(Path(dirpath) / d, config))
        for fn in sorted(filenames):
            if not (fn.endswith(".dbmt") or fn.endswith(".dbml")):
                continue
            full = os.path.join(dirpath, fn)
            if included(root, config, full):
                out.append(os.path.abspath(full))
    return out


def included(root: Path, config: Config, path: str) -> bool:
    """Whether a schema file under root is one of the workspace's (its include and exclude
    globs, the skipped folders)."""
    if not (path.endswith(".dbmt") or path.endswith(".dbml")):
        return False
    rel = os.path.relpath(path, root).replace(os.sep, "/")
    if rel.startswith("../") or any(part in SKIP_DIRS for part in rel.split("/")[:-1]):
        return False
    if not any(_glob_match(rel, pat) for pat in config.include):
        return False
    return not any(_glob_match(rel, pat) or rel.startswith(pat.rstrip("/") + "/") for pat in config.exclude)


def _glob_match(rel: str, pat: str) -> bool:
    """gitignore-like globs: `**/` also matches no folder at all."""
    if fnmatch.fnmatch(rel, pat):
        return True
    while pat.startswith("**/"):
        pat = pat[3:]
        if fnmatch.fnmatch(rel, pat):
            return True
    return False


def read_source(path: str) -> tuple[str, tuple[int, str] | None]:
    """The file's text, and (offset, reason) when it is not valid UTF-8 (bad bytes replaced)."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
        return (text[1:] if text.startswith("\ufeff") else text), None
    except UnicodeDecodeError as e:
        text = data.decode("utf-8", errors="replace")
        offset = len(data[: e.start].decode("utf-8", errors="replace"))
        return text, (offset, f"the file is not valid UTF-8 (byte 0x{data[e.start]:02x} at byte {e.start}); bad bytes are shown as U+FFFD")
