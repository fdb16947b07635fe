"""The feature families, each a module of plain functions `(ctx, params) -> result`; `register`
wires them to their LSP methods with their options."""

from __future__ import annotations

from lsprotocol import types

from . import (actions, completion, diagnostics, diagram, edits, folding, formatting, hints, hover, lens, links, navigation,
               status, symbols, tokens)


def register(server) -> None:
    r = server.request
    # Diagnostics (and what reads them) wait for the re-check an edit started; the rest do not.
    r(types.TEXT_DOCUMENT_DIAGNOSTIC, diagnostics.document_report,
      types.DiagnosticOptions(identifier="dbmt", inter_file_dependencies=True, workspace_diagnostics=True), checked=True)
    r(types.WORKSPACE_DIAGNOSTIC, diagnostics.workspace_report, checked=True)
    r(types.TEXT_DOCUMENT_DEFINITION, navigation.definition)
    r(types.TEXT_DOCUMENT_TYPE_DEFINITION, navigation.type_definition)
    r(types.TEXT_DOCUMENT_IMPLEMENTATION, navigation.implementation)
    r(types.TEXT_DOCUMENT_REFERENCES, navigation.references)
    r(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT, navigation.document_highlight)
    r(types.TEXT_DOCUMENT_PREPARE_RENAME, edits.prepare)
    r(types.TEXT_DOCUMENT_RENAME, edits.do_rename, types.RenameOptions(prepare_provider=True))
    r(types.TEXT_DOCUMENT_CODE_ACTION, actions.code_action, types.CodeActionOptions(code_action_kinds=[
        types.CodeActionKind.QuickFix, types.CodeActionKind.SourceOrganizeImports, actions.FIX_ALL]), checked=True)
    r(types.TEXT_DOCUMENT_FORMATTING, formatting.formatting)
    r(types.TEXT_DOCUMENT_RANGE_FORMATTING, formatting.range_formatting)
    r(types.TEXT_DOCUMENT_ON_TYPE_FORMATTING, formatting.on_type_formatting,
      types.DocumentOnTypeFormattingOptions(first_trigger_character="}"))
    r(types.TEXT_DOCUMENT_COMPLETION, completion.completion, completion.options(), flush=False)
    r(types.COMPLETION_ITEM_RESOLVE, completion.resolve, flush=False)
    # Presentation: hover, symbols, folding and selection, semantic tokens, inlay hints, code
    # lens, document links.
    r(types.TEXT_DOCUMENT_HOVER, hover.hover)
    r(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, symbols.document_symbol)
    r(types.WORKSPACE_SYMBOL, symbols.workspace_symbol)
    r(types.TEXT_DOCUMENT_FOLDING_RANGE, folding.folding_range)
    r(types.TEXT_DOCUMENT_SELECTION_RANGE, folding.selection_range)
    r(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, tokens.full, tokens.LEGEND)
    r(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA, tokens.delta, tokens.LEGEND)
    r(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE, tokens.range_, tokens.LEGEND)
    r(types.TEXT_DOCUMENT_INLAY_HINT, hints.inlay_hint)
    r(types.TEXT_DOCUMENT_CODE_LENS, lens.code_lens, types.CodeLensOptions(resolve_provider=True))
    r(types.CODE_LENS_RESOLVE, lens.resolve)
    r(types.TEXT_DOCUMENT_DOCUMENT_LINK, links.document_link, types.DocumentLinkOptions(resolve_provider=False))
    r("dbmt/status", status.status)
    r("dbmt/diagram", diagram.diagram)
    server.published_hooks.append(diagram.changed)  # dbmt/diagramChanged after the debounce
