"""Text shown in hovers and tooltips, written once and rendered as markdown or as plain text
(for clients that take no markdown): headings, paragraphs with `code` and **bold** spans, code
blocks, tables, bullet lists and links."""

from __future__ import annotations

import re

from lsprotocol import types

_INLINE = re.compile(r"\*\*(.+?)\*\*|`([^`]*)`")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def code(text: str) -> str:
    """An inline code span that survives backticks inside `text`."""
    if "`" not in text:
        return f"`{text}`"
    return f"`` {text} ``"


def escape_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def link(label: str, target: str | None) -> str:
    return f"[{label}]({target})" if target else label


def _plain(text: str) -> str:
    text = _LINK.sub(lambda m: m.group(1), text)
    text = text.replace("`` ", "").replace(" ``", "")
    text = _INLINE.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(2), text)
    return text.replace("\\|", "|")


class Doc:
    """A sequence of blocks: ("p", text) | ("code", text, lang) | ("table", headers, rows) |
    ("list", items) | ("rule",)."""

    def __init__(self):
        self.blocks: list[tuple] = []

    def para(self, text: str) -> "Doc":
        if text:
            self.blocks.append(("p", text))
        return self

    def code(self, text: str, lang: str = "dbmt") -> "Doc":
        self.blocks.append(("code", text, lang))
        return self

    def table(self, headers: list[str], rows: list[list[str]]) -> "Doc":
        if rows:
            self.blocks.append(("table", headers, rows))
        return self

    def bullets(self, items: list[str]) -> "Doc":
        if items:
            self.blocks.append(("list", items))
        return self

    def rule(self) -> "Doc":
        self.blocks.append(("rule",))
        return self

    # -- rendering ----------------------------------------------------------------------------
    def markdown(self) -> str:
        out = []
        for b in self.blocks:
            if b[0] == "p":
                out.append(b[1])
            elif b[0] == "code":
                fence = "````" if "```" in b[1] else "```"
                out.append(f"{fence}{b[2]}\n{b[1]}\n{fence}")
            elif b[0] == "table":
                head = "| " + " | ".join(b[1]) + " |"
                sep = "|" + "|".join("---" for _ in b[1]) + "|"
                rows = ["| " + " | ".join(escape_cell(c) for c in r) + " |" for r in b[2]]
                out.append("\n".join([head, sep, *rows]))
            elif b[0] == "list":
                out.append("\n".join(f"- {i}" for i in b[1]))
            elif b[0] == "rule":
                out.append("---")
        return "\n\n".join(out)

    def plaintext(self) -> str:
        out = []
        for b in self.blocks:
            if b[0] == "p":
                out.append(_plain(b[1]))
            elif b[0] == "code":
                out.append("\n".join("    " + ln for ln in b[1].split("\n")))
            elif b[0] == "table":
                rows = [[_plain(c) for c in b[1]]] + [[_plain(c) for c in r] for r in b[2]]
                widths = [max(len(r[i]) for r in rows) for i in range(len(b[1]))]
                lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
                lines.insert(1, "  ".join("-" * w for w in widths))
                out.append("\n".join(lines))
            elif b[0] == "list":
                out.append("\n".join(f"- {_plain(i)}" for i in b[1]))
            elif b[0] == "rule":
                out.append("----")
        return "\n\n".join(out)

    def content(self, markdown: bool) -> types.MarkupContent:
        if markdown:
            return types.MarkupContent(kind=types.MarkupKind.Markdown, value=self.markdown())
        return types.MarkupContent(kind=types.MarkupKind.PlainText, value=self.plaintext())
