"""Formatting, range formatting and formatting after `}`: the formatter of `dbmt-lsp
--format-files` (server/dbmt/format.py), its result sent as the smallest edits that make it.
The layout is the project's one canonical layout: the client's tab size and spaces options are
not asked for."""

from __future__ import annotations

from lsprotocol import types

from ...format import format_range, format_text
from ...syntax import changed_span


def _text(ctx, params):
    path = ctx.path_of(params.text_document.uri)
    return path, ctx.session.text_of(path)


def _edit(ctx, path, old: str, start: int, end: int, new: str) -> types.TextEdit:
    """The edit replacing old[start:end] by `new`, trimmed to the stretch that differs."""
    a, old_end, new_end = changed_span(old[start:end], new)
    return types.TextEdit(range=ctx.range_of(path, start + a, start + old_end), new_text=new[a:new_end])


def formatting(ctx, params: types.DocumentFormattingParams):
    path, text = _text(ctx, params)
    if text is None:
        return None
    new = format_text(text, path.endswith(".dbml"))
    if new == text:
        return []
    return [_edit(ctx, path, text, 0, len(text), new)]


def range_formatting(ctx, params: types.DocumentRangeFormattingParams):
    path, text = _text(ctx, params)
    if text is None:
        return None
    start = ctx.offset_of(path, params.range.start)
    end = ctx.offset_of(path, params.range.end)
    return [_edit(ctx, path, text, s, e, t) for s, e, t in format_range(text, start, end, path.endswith(".dbml"))]


def on_type_formatting(ctx, params: types.DocumentOnTypeFormattingParams):
    """After `}` closes an element: that element, laid out."""
    path, text = _text(ctx, params)
    if text is None or params.ch != "}":
        return None
    at = max(0, ctx.offset_of(path, params.position) - 1)
    return [_edit(ctx, path, text, s, e, t) for s, e, t in format_range(text, at, at, path.endswith(".dbml"))]
