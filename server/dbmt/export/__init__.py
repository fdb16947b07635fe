"""Diagrams of a workspace: `dbmt-lsp --export mermaid|dot [PATH] [-o FILE]` (model.py reads the
engine's model, mermaid.py and dot.py write it)."""

from __future__ import annotations

import sys

from .dot import dot
from .mermaid import mermaid
from .model import Diagram, diagram_of

FORMATS = {"mermaid": mermaid, "dot": dot}


def export(ws, fmt: str) -> str:
    return FORMATS[fmt](diagram_of(ws))


def main(fmt: str, path: str, output: str | None) -> int:
    """0 written, 1 the workspace has errors, 2 usage or I/O error."""
    from ..expand import ExpandError, open_workspace, write_output
    from ..workspace.config import ConfigError

    try:
        ws = open_workspace(path)
        if ws.has_errors():
            raise ExpandError("the workspace has errors: fix them first (dbmt-lsp --check)")
        write_output(export(ws, fmt), output)
    except ExpandError as e:
        print(f"dbmt-lsp: cannot export {path}: {e}", file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"dbmt-lsp: no such file or directory: {path}", file=sys.stderr)
        return 2
    except ConfigError as e:
        print(f"dbmt-lsp: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"dbmt-lsp: cannot write {e.filename or output}: {e.strerror}", file=sys.stderr)
        return 2
    return 0


__all__ = ["export", "diagram_of", "Diagram", "mermaid", "dot", "main"]
