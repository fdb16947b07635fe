"""Diagrams of a workspace: `dbmt-lsp --export mermaid|dot|json|svg [PATH] [-o FILE]` (model.py
reads the engine's model, mermaid.py and dot.py write it; diagram.py is the richer model of the
`dbmt/diagram` request, written as JSON; svg.py has it laid out and drawn by the editor's own
layout code, bundled for node in assets/diagram-render.mjs)."""

from __future__ import annotations

import sys

from .dot import dot
from .mermaid import mermaid
from .model import Diagram, diagram_of
from .svg import RenderError

FORMATS = {"mermaid": mermaid, "dot": dot}


def export(ws, fmt: str) -> str:
    if fmt == "json":
        return model_json(ws)
    if fmt == "svg":
        from .svg import render_svg
        return render_svg(model_json(ws), saved_layout(ws))
    return FORMATS[fmt](diagram_of(ws))


def model_json(ws) -> str:
    """The `dbmt/diagram` model of the whole workspace (UTF-16 ranges, file URIs, revision 0)."""
    import json

    from . import diagram
    m = diagram.build(ws)
    data = diagram.to_json(m, None, diagram.utf16_spans(ws), diagram.file_uri)
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def saved_layout(ws) -> str | None:
    """`dbmt-layout.json` at the workspace root (dragged positions), when there is one."""
    p = ws.root / "dbmt-layout.json"
    return str(p) if p.is_file() else None


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
    except RenderError as e:
        print(f"dbmt-lsp: {e}", file=sys.stderr)
        return 2
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
