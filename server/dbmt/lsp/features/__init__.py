"""The feature families, each a module of plain functions `(ctx, params) -> result`; `register`
wires them to their LSP methods with their options."""

from __future__ import annotations

from lsprotocol import types

from . import actions, diagnostics, edits, formatting, navigation, status


def register(server) -> None:
    r = server.request
    r(types.TEXT_DOCUMENT_DIAGNOSTIC, diagnostics.document_report,
      types.DiagnosticOptions(identifier="dbmt", inter_file_dependencies=True, workspace_diagnostics=True))
    r(types.WORKSPACE_DIAGNOSTIC, diagnostics.workspace_report)
    r(types.TEXT_DOCUMENT_DEFINITION, navigation.definition)
    r(types.TEXT_DOCUMENT_TYPE_DEFINITION, navigation.type_definition)
    r(types.TEXT_DOCUMENT_IMPLEMENTATION, navigation.implementation)
    r(types.TEXT_DOCUMENT_REFERENCES, navigation.references)
    r(types.TEXT_DOCUMENT_DOCUMENT_HIGHLIGHT, navigation.document_highlight)
    r(types.TEXT_DOCUMENT_PREPARE_RENAME, edits.prepare)
    r(types.TEXT_DOCUMENT_RENAME, edits.do_rename, types.RenameOptions(prepare_provider=True))
    r(types.TEXT_DOCUMENT_CODE_ACTION, actions.code_action, types.CodeActionOptions(code_action_kinds=[
        types.CodeActionKind.QuickFix, types.CodeActionKind.SourceOrganizeImports, actions.FIX_ALL]))
    r(types.TEXT_DOCUMENT_FORMATTING, formatting.formatting)
    r(types.TEXT_DOCUMENT_RANGE_FORMATTING, formatting.range_formatting)
    r(types.TEXT_DOCUMENT_ON_TYPE_FORMATTING, formatting.on_type_formatting,
      types.DocumentOnTypeFormattingOptions(first_trigger_character="}"))
    r("dbmt/status", status.status)
