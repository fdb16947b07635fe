"""dbmt: the checker engine, language server and CLI for .dbmt schema files."""

__version__ = "0.1.0"
