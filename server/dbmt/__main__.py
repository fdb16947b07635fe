"""`python -m dbmt`: the same as the `dbmt-lsp` command (editors use it when only an
interpreter is known)."""

from .cli import entry

entry()
