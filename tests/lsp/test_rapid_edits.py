"""500 rapid edits, random and often broken, across three open files of the example workspace:
once the server has caught up, its diagnostics of every file (open or closed) are those of a
cold `--check` of the final texts."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import subprocess
import sys

from lsprotocol import types

from lsp_harness import WAIT, lsp

FRAGMENTS = [
    "Table Extra {\n  id key_t [pk]\n}\n", "}", "{", "[", "]", "\n", "  x int [ref: > Users.id]\n",
    "  %extension AccessoryExtType\n", "%relation", "Ref: Posts.id < Users.id\n", "//", "/*", "*/", "'", "`",
    "  😀name varchar\n", "Enum E { a b }\n", "use { table Gloves } from '../gloves/gloves'\n", "Users", "Posts",
    "TableGroup G {\n  Users\n}\n", "  %require_columns id\n", "  ~p\n", "TablePartial p {\n  q int\n}\n",
]


def _utf16_pos(text: str, off: int) -> types.Position:
    line = text.count("\n", 0, off)
    col = text[text.rfind("\n", 0, off) + 1:off]
    return types.Position(line=line, character=len(col.encode("utf-16-le")) // 2)


def _cli_diagnostics(root, texts: dict[str, str]):
    out = subprocess.run([sys.executable, "-m", "dbmt", "--check", str(root), "--format", "json", "--no-cache"],
                         capture_output=True, text=True, cwd=root, timeout=WAIT)
    assert out.returncode in (0, 1), out.stderr
    got = []
    for d in json.loads(out.stdout)["diagnostics"]:
        path = (root / d["path"]).resolve()
        text = texts.get(path.as_uri()) or path.read_text(encoding="utf-8")
        lines = text.split("\n")

        def u16(line, col):
            return len(lines[line - 1][:col - 1].encode("utf-16-le")) // 2 if line - 1 < len(lines) else col - 1

        got.append((path.as_uri(), d["code"], d["line"] - 1, u16(d["line"], d["column"]),
                    d["end_line"] - 1, u16(d["end_line"], d["end_column"]), d["message"]))
    return sorted(got)


async def test_500_rapid_edits_end_in_the_cold_check(shop, tmp_path):
    rng = random.Random(20261202)
    files = ["social/posting.dbmt", "shoes/shoes.dbmt", "accessories/accessories.dbmt"]
    async with lsp(shop) as h:
        texts = {}
        for rel in files:
            h.open(rel)
            texts[rel] = h.path(rel).read_text(encoding="utf-8")
        for _ in range(500):
            rel = rng.choice(files)
            text = texts[rel]
            a = rng.randrange(len(text) + 1)
            b = min(len(text), a + rng.choice([0, 0, 1, 2, 5, 20]))
            new = rng.choice(FRAGMENTS) if rng.random() < 0.7 else ""
            h.edit(rel, _utf16_pos(text, a), _utf16_pos(text, b), new)
            texts[rel] = text[:a] + new + text[b:]
        finals = {h.uri(rel): h.versions[h.uri(rel)] for rel in files}

        async def caught_up():
            while any(h.client.diagnostic_versions.get(u) != v for u, v in finals.items()):
                await h.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        await asyncio.wait_for(caught_up(), WAIT * 3)
        await h.settle()
        server = sorted((u, d.code, d.range.start.line, d.range.start.character, d.range.end.line,
                         d.range.end.character, d.message)
                        for u, ds in h.client.diagnostics.items() for d in ds)
    cold = tmp_path / "cold"
    shutil.copytree(shop, cold)
    for rel in files:
        (cold / rel).write_text(texts[rel], encoding="utf-8")
    expected = _cli_diagnostics(cold, {})
    prefix_old, prefix_new = shop.resolve().as_uri(), cold.resolve().as_uri()
    expected = sorted((u.replace(prefix_new, prefix_old, 1), *rest) for u, *rest in expected)
    assert server == expected
    assert len(expected) > 10  # the edits broke things: there is something to compare
