"""Semantic tokens through the protocol: the legend, what each name and mark is, declarations
apart from references, full / delta / range, UTF-16 after emoji, broken files."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import caps, lsp, push_caps, write


def vscode_caps(decorator: bool = True):
    """VS Code's capabilities; its current client lists `decorator` (the captured set predates it)."""
    c = push_caps()
    st = c.text_document.semantic_tokens
    if decorator and "decorator" not in st.token_types:
        st.token_types = [*st.token_types, "decorator"]
    return c


def decode(h, text: str, data, encoding="utf-16"):
    """[(token text, type, {modifiers})] from the encoded data, columns in the negotiated encoding."""
    legend = h.init_result.capabilities.semantic_tokens_provider.legend
    lines = text.split("\n")
    out, line, col = [], 0, 0
    for i in range(0, len(data), 5):
        dl, dc, length, typ, mods = data[i:i + 5]
        line += dl
        col = dc if dl else col + dc
        enc = "utf-16-le" if encoding == "utf-16" else encoding
        unit = 2 if encoding == "utf-16" else 1
        b = lines[line].encode(enc)
        piece = b[col * unit:(col + length) * unit].decode(enc)
        out.append((piece, legend.token_types[typ],
                    {m for k, m in enumerate(legend.token_modifiers) if mods & (1 << k)}))
    return out


async def full(h, rel):
    return await h.request(h.client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=h.doc(rel))))


def find(tokens, text, typ=None):
    return [t for t in tokens if t[0] == text and (typ is None or t[1] == typ)]


async def test_legend_and_names_of_every_kind(shop):
    async with lsp(shop, vscode_caps()) as h:
        prov = h.init_result.capabilities.semantic_tokens_provider
        assert {"decorator", "class", "enum", "enumMember", "property", "interface", "struct", "keyword",
                "string", "comment", "number", "operator"} <= set(prov.legend.token_types)
        assert {"declaration", "definition", "readonly"} <= set(prov.legend.token_modifiers)
        assert prov.full.delta is True and prov.range is True

        text = h.path("shoes/shoes.dbmt").read_text()
        toks = decode(h, text, (await full(h, "shoes/shoes.dbmt")).data)
        # Marks are their own type.
        assert find(toks, "%extension") == [("%extension", "decorator", set())]
        assert ("%events_clone", "decorator", set()) in toks
        # Declarations and references of the same kind of thing differ by modifier.
        assert find(toks, "Shoes", "class") == [("Shoes", "class", set()), ("Shoes", "class", {"declaration", "definition"}),
                                                  ("Shoes", "class", set())]
        assert ("GrProducts", "interface", {"declaration", "definition"}) in toks
        assert ("shoe_size_cm", "property", {"declaration", "definition"}) in toks
        assert find(toks, "AccessoryExtType") == [("AccessoryExtType", "enum", set())] * 2
        assert ("key_t", "type", set()) in toks                     # a database type, not an enum
        assert ("write", "enumMember", {"defaultLibrary"}) in toks  # a trigger word
        assert ("Table", "keyword", set()) in toks and ("pk", "keyword", set()) in toks
        assert ("'display name'", "string", set()) in toks
        assert ("'../gloves/gloves'", "string", set()) in toks
        assert (">", "operator", set()) in toks
        assert any(t[1] == "comment" and t[0].startswith("// Gloves live") for t in toks)
        # Generated columns are not in the text: no token names them.
        assert not any(t[0].startswith("opt_to_") for t in toks)

        text = h.path("accessories/accessories.dbmt").read_text()
        toks = decode(h, text, (await full(h, "accessories/accessories.dbmt")).data)
        assert ("SkeeingExt", "enumMember", {"declaration", "definition"}) in toks
        assert find(toks, "LedExt")[:3] == [("LedExt", "enumMember", {"declaration", "definition"}),
                                             ("LedExt", "enumMember", set()), ("LedExt", "class", {"declaration", "definition"})]
        assert ("%extension_enum", "decorator", set()) in toks

        text = h.path("devices/shoe_mcu.dbmt").read_text()
        toks = decode(h, text, (await full(h, "devices/shoe_mcu.dbmt")).data)
        # A generated events table named in a ref is readonly.
        assert ("ThermostatEvents", "class", {"readonly"}) in toks
        assert ("HeatSystemEvents", "class", {"declaration", "definition"}) in toks


async def test_marks_are_macros_for_clients_without_decorator(shop):
    async with lsp(shop, vscode_caps(decorator=False)) as h:
        text = h.path("shoes/shoes.dbmt").read_text()
        toks = decode(h, text, (await full(h, "shoes/shoes.dbmt")).data)
        assert ("%extension", "macro", set()) in toks


async def test_enum_types_partials_events_names_comments_and_emoji(tmp_path):
    text = ("Enum status {\n  on\n  off\n}\nTablePartial stamps {\n  at timestamp\n}\n"
            "Table \"😀 users\" { // 😀 first\n  %events_clone UserLog\n  id int [pk, default: 3]\n  s status\n  ~stamps\n}\n"
            "/* two\n   lines 😀 */\nRef: \"😀 users\".id < UserLog.id\n")
    write(tmp_path, {"a.dbmt": text})
    for c, enc in ((vscode_caps(), "utf-16"), (caps("neovim"), "utf-8")):
        async with lsp(tmp_path, c) as h:
            toks = decode(h, text, (await full(h, "a.dbmt")).data, enc)
            assert ("status", "enum", set()) in toks                 # an enum as a column type
            assert ("stamps", "struct", {"declaration", "definition"}) in toks
            assert ("stamps", "struct", set()) in toks
            assert ('"😀 users"', "class", {"declaration", "definition"}) in toks
            assert find(toks, '"😀 users"')[1] == ('"😀 users"', "class", set())
            assert ("UserLog", "class", {"declaration", "definition", "readonly"}) in toks
            assert ("UserLog", "class", {"readonly"}) in toks
            assert ("3", "number", set()) in toks and ("<", "operator", set()) in toks
            # A comment over two lines is two tokens (clients take no multi-line tokens).
            assert ("/* two", "comment", set()) in toks and ("   lines 😀 */", "comment", set()) in toks
            assert ("// 😀 first", "comment", set()) in toks


async def test_delta_and_range(shop):
    async with lsp(shop, vscode_caps()) as h:
        rel = "social/posting.dbmt"
        text = h.path(rel).read_text()
        h.open(rel, text)
        first = await full(h, rel)
        assert first.result_id
        # Nothing changed: no edits.
        same = await h.request(h.client.text_document_semantic_tokens_full_delta_async(types.SemanticTokensDeltaParams(
            text_document=h.doc(rel), previous_result_id=first.result_id)))
        assert list(same.edits) == [] and same.result_id != first.result_id
        new_text = text.replace("Table Robots {\n  id key_t [pk]\n", "Table Robots {\n  id key_t [pk]\n  serial varchar [unique]\n")
        h.replace_all(rel, new_text)
        d = await h.request(h.client.text_document_semantic_tokens_full_delta_async(types.SemanticTokensDeltaParams(
            text_document=h.doc(rel), previous_result_id=same.result_id)))
        assert isinstance(d, types.SemanticTokensDelta) and len(d.edits) == 1
        data = list(first.data)
        for e in d.edits:
            data[e.start:e.start + e.delete_count] = list(e.data or [])
        now = await full(h, rel)
        assert data == list(now.data)
        assert ("serial", "property", {"declaration", "definition"}) in decode(h, new_text, now.data)
        # An unknown previous id gets the full tokens.
        again = await h.request(h.client.text_document_semantic_tokens_full_delta_async(types.SemanticTokensDeltaParams(
            text_document=h.doc(rel), previous_result_id="nope")))
        assert isinstance(again, types.SemanticTokens) and list(again.data) == list(now.data)
        # A range gives the tokens inside it (the same ones the full answer has there).
        start = h.pos(rel, "Table Posts", text=new_text)
        end = h.pos(rel, "TableGroup", text=new_text)
        part = await h.request(h.client.text_document_semantic_tokens_range_async(types.SemanticTokensRangeParams(
            text_document=h.doc(rel), range=types.Range(start=start, end=end))))
        lines = new_text.split("\n")
        sub = "\n".join([""] * start.line + lines[start.line:end.line])
        got = decode(h, sub, part.data)
        assert got[0] == ("Table", "keyword", set()) and ("Posts", "class", {"declaration", "definition"}) in got
        assert ("body_not_empty", "string", set()) not in got and ("'body_not_empty'", "string", set()) in got
        assert not find(got, "GrRelPosts")
        whole = decode(h, new_text, now.data)
        i = whole.index(("Table", "keyword", set()), next(k for k, t in enumerate(whole) if t[0] == "Robots") + 1)
        assert whole[i:i + len(got)] == got


async def test_broken_file_still_gets_tokens(tmp_path):
    broken = "Table posts {\n  id int [pk\n  u int [ref: > users.id]\n  oops ((\n}\nTable x {\n  %relation\n  y int\n"
    write(tmp_path, {"b.dbmt": broken})
    async with lsp(tmp_path, vscode_caps()) as h:
        h.open("b.dbmt", broken)
        toks = decode(h, broken, (await full(h, "b.dbmt")).data)
        assert ("posts", "class", {"declaration", "definition"}) in toks
        assert ("%relation", "decorator", set()) in toks and ("y", "property", {"declaration", "definition"}) in toks


def test_spans_cut_at_line_breaks_in_every_encoding():
    from dbmt.lsp.positions import Codec, Lines
    text = "a😀b /* x\r\ny😀 */\rz"
    li = Lines(text)
    start = text.index("/*")
    items = [(0, 1), (2, 3), (start, len(text) - 2), (len(text) - 1, len(text))]
    assert Codec("utf-16").spans(li, items) == [(0, 0, 1, 0), (0, 3, 1, 1), (0, 5, 4, 2), (1, 0, 6, 2), (2, 0, 1, 3)]
    assert Codec("utf-8").spans(li, items) == [(0, 0, 1, 0), (0, 5, 1, 1), (0, 7, 4, 2), (1, 0, 8, 2), (2, 0, 1, 3)]
    assert Codec("utf-32").spans(li, items) == [(0, 0, 1, 0), (0, 2, 1, 1), (0, 4, 4, 2), (1, 0, 5, 2), (2, 0, 1, 3)]


def test_delta_edits_turn_the_old_tokens_into_the_new():
    from hypothesis import given, strategies as st

    from dbmt.lsp.features.tokens import _changed

    tokens = st.lists(st.tuples(*[st.integers(0, 3)] * 5), max_size=30).map(lambda ts: [x for t in ts for x in t])

    @given(tokens, tokens)
    def check(old, new):
        s, oe, ne = _changed(old, new)
        assert s % 5 == 0 and (len(old) - oe) % 5 == 0
        assert old[:s] + new[s:ne] + old[oe:] == new

    check()
