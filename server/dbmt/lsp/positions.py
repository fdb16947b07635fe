"""Engine offsets (characters) ↔ LSP positions in the negotiated encoding — the one place that
converts. LSP lines end at `\\n`, `\\r\\n` or a lone `\\r`; columns count UTF-16 code units by
default, or UTF-8 bytes / code points when the client chose those."""

from __future__ import annotations

import re
from bisect import bisect_right

from lsprotocol import types

_BREAK = re.compile(r"\r\n|\r|\n")
_WIDE = re.compile(r"[^\x00-\uffff]")        # two UTF-16 code units each
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class Lines:
    """Where each line of one text starts, by LSP's rules."""

    __slots__ = ("text", "starts", "ends")

    def __init__(self, text: str):
        self.text = text
        starts = [0]
        ends = []
        for m in _BREAK.finditer(text):
            ends.append(m.start())
            starts.append(m.end())
        ends.append(len(text))
        self.starts = starts
        self.ends = ends  # where each line's content ends (before its line break)

    def line_of(self, offset: int) -> int:
        return bisect_right(self.starts, offset) - 1


class Codec:
    """Conversions for one position encoding (utf-16, utf-8 or utf-32)."""

    def __init__(self, encoding: str = types.PositionEncodingKind.Utf16):
        self.encoding = encoding
        self._lines: dict[str, Lines] = {}

    @property
    def encoding(self) -> str:
        return self._encoding

    @encoding.setter
    def encoding(self, value) -> None:
        value = str(getattr(value, "value", value))
        if value not in ("utf-8", "utf-16", "utf-32"):
            raise ValueError(f"unknown position encoding {value!r}")
        self._encoding = value

    # -- line tables, kept per path for the current text --------------------------------------
    def lines(self, path: str, text: str) -> Lines:
        li = self._lines.get(path)
        if li is None or li.text is not text:
            if li is not None and li.text == text:
                li.text = text
                return li
            li = self._lines[path] = Lines(text)
        return li

    def forget(self, path: str) -> None:
        self._lines.pop(path, None)

    # -- columns --------------------------------------------------------------------------------
    def _units(self, segment: str) -> int:
        if self.encoding == "utf-16":
            return len(segment) + len(_WIDE.findall(segment)) if not segment.isascii() else len(segment)
        if self.encoding == "utf-8":
            return len(segment.encode("utf-8", "surrogatepass")) if not segment.isascii() else len(segment)
        return len(segment)

    def position(self, li: Lines, offset: int) -> types.Position:
        line, character = self.point(li, offset)
        return types.Position(line=line, character=character)

    def point(self, li: Lines, offset: int) -> tuple[int, int]:
        """(line, character) of an offset, without building a Position: answers holding tens of
        thousands of places (the diagram model) would spend most of their time in attrs."""
        offset = max(0, min(offset, len(li.text)))
        line = li.line_of(offset)
        start = li.starts[line]
        # An offset inside a `\r\n` pair belongs to the end of its line.
        offset = min(offset, li.ends[line])
        return line, self._units(li.text[start:offset])

    def offset(self, li: Lines, pos: types.Position) -> int:
        """The character offset of a position (clamped to its line, as LSP asks: a column past
        the end means the end of the line)."""
        line = pos.line
        if line < 0:
            return 0
        if line >= len(li.starts):
            return len(li.text)
        start, end = li.starts[line], li.ends[line]
        col = max(pos.character, 0)
        segment = li.text[start:end]
        if segment.isascii() or self.encoding == "utf-32":
            return start + min(col, len(segment))
        units = 0
        for i, ch in enumerate(segment):
            if units >= col:
                return start + i
            o = ord(ch)
            if self.encoding == "utf-16":
                units += 2 if o > 0xFFFF else 1
            else:
                units += 1 if o < 0x80 else 2 if o < 0x800 else 3 if o < 0x10000 else 4
        return end

    def range(self, li: Lines, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(li, start), end=self.position(li, max(start, end)))

    # -- many places at once ----------------------------------------------------------------------
    def line_of(self, li: Lines, offset: int) -> int:
        """The LSP line of an offset (no column: folding ranges need lines only)."""
        return li.line_of(max(0, min(offset, len(li.text))))

    def spans(self, li: Lines, items) -> list[tuple[int, int, int, int]]:
        """(line, column, length, i) in the encoding for each (start, end) of `items` (sorted by
        start; `i` is the item's index), a stretch crossing line breaks cut into one piece per
        line and empty pieces dropped: what semantic tokens are made of (the client does not
        take tokens over line breaks unless it says so, and most do not)."""
        text = li.text
        starts, ends = li.starts, li.ends
        ascii_text = text.isascii()
        units = self._units
        out = []
        line = 0
        last = len(starts) - 1
        for i, (s, e) in enumerate(items):
            s = max(0, min(s, len(text)))
            e = max(s, min(e, len(text)))
            if line < last and starts[line + 1] <= s or starts[line] > s:
                line = li.line_of(s)
            while True:
                ls, le = starts[line], ends[line]
                a = min(s, le)
                b = min(e, le)
                if b > a:
                    if ascii_text:
                        out.append((line, a - ls, b - a, i))
                    else:
                        col = units(text[ls:a])
                        out.append((line, col, units(text[a:b]), i))
                if e <= le or line >= last:
                    break
                line += 1
                s = starts[line]
                if s >= e:
                    break
        return out
