"""Offsets ↔ positions: 0-based lines, columns in characters (CLI) or UTF-16 code units (LSP)."""

from __future__ import annotations

import re
from bisect import bisect_right

# Line breaks as LSP counts them (lsp/positions.py): `\r\n`, `\n` and a lone `\r`, so the CLI
# and the editor name the same line for a file with CR-only line breaks.
_BREAK_RE = re.compile(r"\r\n?|\n")


class LineIndex:
    """Line starts of one text, for converting character offsets to and from positions."""

    __slots__ = ("text", "starts")

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        if "\r" in text:
            starts.extend(m.end() for m in _BREAK_RE.finditer(text))
        else:
            find = text.find
            i = find("\n")
            while i >= 0:
                starts.append(i + 1)
                i = find("\n", i + 1)
        self.starts = starts

    def _line_end(self, line: int) -> int:
        """Offset of the line break ending `line` (the text's end for the last line)."""
        if line + 1 >= len(self.starts):
            return len(self.text)
        nxt = self.starts[line + 1]
        return nxt - 2 if self.text.startswith("\r\n", nxt - 2) else nxt - 1

    def line_col(self, offset: int) -> tuple[int, int]:
        """0-based line and character column of a character offset."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect_right(self.starts, offset) - 1
        return line, offset - self.starts[line]

    def line_utf16(self, offset: int) -> tuple[int, int]:
        """0-based line and UTF-16 column (what LSP counts) of a character offset."""
        line, col = self.line_col(offset)
        start = self.starts[line]
        segment = self.text[start:start + col]
        # Characters outside the BMP take two UTF-16 code units.
        extra = sum(1 for ch in segment if ord(ch) > 0xFFFF)
        return line, col + extra

    def offset(self, line: int, col: int) -> int:
        """Character offset of a 0-based line and character column (clamped to the text)."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        return min(start + max(col, 0), self._line_end(line))

    def offset_utf16(self, line: int, col16: int) -> int:
        """Character offset of a 0-based line and UTF-16 column."""
        if line < 0:
            return 0
        if line >= len(self.starts):
            return len(self.text)
        start = self.starts[line]
        end = self._line_end(line)
        units = 0
        i = start
        while i < end and units < col16:
            units += 2 if ord(self.text[i]) > 0xFFFF else 1
            i += 1
        return i

    def line_count(self) -> int:
        return len(self.starts)
