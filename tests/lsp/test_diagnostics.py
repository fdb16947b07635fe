"""Diagnostics through the protocol: push for open and closed files, versions, clearing, pull
with result ids, the debounce setting, severity overrides."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from lsprotocol import types

from lsp_harness import caps, lsp, pull_caps, push_caps, write


def codes(ds):
    return sorted(d.code for d in ds)


async def test_open_file_gets_diagnostic_with_code_link_and_version(shop):
    async with lsp(shop) as h:
        text = h.path("social/posting.dbmt").read_text().replace("Posts.id", "Postz.id", 1)
        h.open("social/posting.dbmt", text)
        ds = await h.wait_diagnostics("social/posting.dbmt", lambda ds: len(ds) > 0)
        d = ds[0]
        assert d.code == "DBMT101" and d.source == "dbmt"
        assert "'Postz'" in d.message and "did you mean 'Posts'" in d.message
        assert d.code_description.href.endswith("DBMT101.md")
        assert d.data["code"] == "DBMT101" and d.data["name"] == "Postz"
        assert d.range == types.Range(start=h.pos("social/posting.dbmt", "Postz.id", text=text),
                                      end=h.pos("social/posting.dbmt", "Postz.id", 5, text=text))
        # The fix clears it, published under the new version.
        v = h.replace_all("social/posting.dbmt", text.replace("Postz.id", "Posts.id"))
        await h.wait_diagnostics("social/posting.dbmt", lambda ds: ds == [])


async def test_edit_in_one_file_updates_a_closed_file(shop):
    """Removing an extension table in one file makes DBMT301 appear in the enum's file, even
    though that file is closed; putting it back clears it."""
    async with lsp(shop) as h:
        acc = h.path("accessories/accessories.dbmt").read_text()
        start = acc.index("Table LedExt")
        end = acc.index("}", start) + 1
        # Move LedExt into another team's file, open that one, then delete it there.
        gloves = h.path("gloves/gloves.dbmt").read_text() + "\n" + acc[start:end] + "\n"
        h.path("accessories/accessories.dbmt").write_text(acc[:start] + acc[end:])
        h.path("gloves/gloves.dbmt").write_text(gloves)
    async with lsp(shop) as h:
        h.open("gloves/gloves.dbmt")
        await h.settle()
        assert list(h.client.diagnostics.get(h.uri("accessories/accessories.dbmt"), [])) == []
        h.replace_all("gloves/gloves.dbmt", gloves.replace("Table LedExt", "Table LedExtGone").replace(
            "%extension_enum AccessoryExtType.LedExt", ""))
        ds = await h.wait_diagnostics("accessories/accessories.dbmt", lambda ds: "DBMT301" in codes(ds))
        d = next(d for d in ds if d.code == "DBMT301")
        assert "LedExt" in d.message
        h.replace_all("gloves/gloves.dbmt", gloves)
        await h.wait_diagnostics("accessories/accessories.dbmt", lambda ds: ds == [])


async def test_related_information_points_into_the_other_file(tmp_path):
    write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\n", "b.dbmt": "Table users {\n  id int [pk]\n}\n"})
    async with lsp(tmp_path) as h:
        h.open("b.dbmt")
        ds = await h.wait_diagnostics("b.dbmt", lambda ds: len(ds) > 0)
        d = ds[0]
        assert d.code == "DBMT105"
        assert [ri.location.uri for ri in d.related_information] == [h.uri("a.dbmt")]
        assert d.related_information[0].location.range.start == types.Position(line=0, character=6)
        # The closed file got its own DBMT105, pushed without a version.
        da = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert da[0].code == "DBMT105"


async def test_pull_mode_answers_unchanged_and_does_not_push(shop):
    async with lsp(shop, pull_caps()) as h:
        text = h.path("social/posting.dbmt").read_text().replace("Posts.id", "Postz.id", 1)
        h.open("social/posting.dbmt", text)
        r1 = await h.request(h.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=h.doc("social/posting.dbmt"))))
        assert r1.kind == "full" and codes(r1.items) == ["DBMT101"]
        r2 = await h.request(h.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=h.doc("social/posting.dbmt"), previous_result_id=r1.result_id)))
        assert r2.kind == "unchanged" and r2.result_id == r1.result_id
        ws = await h.request(h.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])))
        uris = {i.uri for i in ws.items}
        assert h.uri("accessories/accessories.dbmt") in uris and len(uris) == 5
        again = await h.request(h.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(
            previous_result_ids=[types.PreviousResultId(uri=i.uri, value=i.result_id) for i in ws.items])))
        assert {i.kind for i in again.items} == {"unchanged"}
        await h.settle()
        assert h.client.diagnostics == {}  # nothing pushed in pull mode


async def test_severity_override_from_settings_applies_live(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n  n int [default: 'x']\n}\n"})
    config = {"": {"dbmt": {"severity": {"DBMT601": "off"}}}}
    async with lsp(tmp_path, configuration=config) as h:
        h.open("a.dbmt")
        await h.settle()
        await h.settle()
        assert list(h.client.diagnostics.get(h.uri("a.dbmt"), [])) == []
        h.client.set_configuration({"dbmt": {"severity": {"DBMT601": "warning"}}})
        h.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) == 1)
        assert ds[0].code == "DBMT601" and ds[0].severity == types.DiagnosticSeverity.Warning


async def test_a_late_configuration_answer_still_applies(tmp_path):
    """The settings decide what is reported, so the server waits for the client's answer rather
    than racing it against a clock on a busy machine; a client silent past the wait (here 0 s)
    gets the defaults meanwhile, and its answer applies when it comes."""
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n  n int [default: 'x']\n}\n"})
    gate = asyncio.Event()
    config = {"": {"dbmt": {"severity": {"DBMT601": "off"}}}}
    async with lsp(tmp_path, configuration=config, env={"DBMT_LSP_CONFIG_WAIT_S": "0"}, configuration_gate=gate) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) == 1)
        assert ds[0].code == "DBMT601" and ds[0].severity == types.DiagnosticSeverity.Error
        assert any("no answer in 0 s" in m.message for m in h.client.log_messages)
        gate.set()
        await h.wait_diagnostics("a.dbmt", lambda ds: ds == [])


async def test_client_answering_null_configuration_gets_defaults(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > nope.id]\n}\n"})
    async with lsp(tmp_path, configuration={"": None}) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert codes(ds) == ["DBMT101"]
        assert not h.client.messages  # no complaint about the null answer


async def test_bad_settings_are_reported_once_not_crashed_on(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > nope.id]\n}\n"})
    config = {"": {"dbmt": {"debounce": "soon", "severity": {"DBMT999": "off", "DBMT101": "loud"}}}}
    async with lsp(tmp_path, configuration=config) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert codes(ds) == ["DBMT101"]
        said = " ".join(m.message for m in h.client.messages)
        assert "dbmt.debounce" in said and "DBMT999" in said and "loud" in said


async def test_diagnostics_equal_a_cold_check(shop):
    """The server's diagnostics of the whole workspace are the CLI's."""
    async with lsp(shop, pull_caps()) as h:
        ws = await h.request(h.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])))
        server = sorted((i.uri, d.code, d.range.start.line + 1, d.message) for i in ws.items for d in i.items)
    out = subprocess.run([sys.executable, "-m", "dbmt", "--check", str(shop), "--format", "json", "--no-cache"],
                         capture_output=True, text=True, cwd=shop)
    cli = sorted(((shop / d["path"]).resolve().as_uri(), d["code"], d["line"], d["message"])
                 for d in json.loads(out.stdout)["diagnostics"])
    assert server == cli


async def test_client_announcing_pull_without_refresh_gets_push(shop):
    """Neovim 0.11 announces pull diagnostics but cannot be asked to pull again
    (workspace/diagnostic/refresh), and pulls only the buffer being edited: an edit in
    gloves.dbmt would leave shoes.dbmt's diagnostics stale. The server announces no
    diagnosticProvider to such a client and pushes, to every file whose diagnostics changed."""
    neovim = caps("neovim")
    assert neovim.text_document.diagnostic is not None
    assert neovim.workspace.diagnostics is None
    async with lsp(shop, neovim) as h:
        assert h.init_result.capabilities.diagnostic_provider is None
        gloves = h.path("gloves/gloves.dbmt").read_text()
        h.open("shoes/shoes.dbmt")
        h.open("gloves/gloves.dbmt", gloves)
        await h.settle()
        assert list(h.client.diagnostics.get(h.uri("shoes/shoes.dbmt"), [])) == []
        h.replace_all("gloves/gloves.dbmt", gloves.replace("Table Gloves {", "Table Glovez {"))
        ds = await h.wait_diagnostics("shoes/shoes.dbmt", lambda ds: "DBMT111" in codes(ds))
        assert codes(ds) == ["DBMT101", "DBMT111"]
        h.replace_all("gloves/gloves.dbmt", gloves)
        await h.wait_diagnostics("shoes/shoes.dbmt", lambda ds: ds == [])


async def test_client_announcing_pull_and_refresh_gets_pull(shop):
    c = caps("neovim")
    c.workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
    async with lsp(shop, c) as h:
        dp = h.init_result.capabilities.diagnostic_provider
        assert dp is not None and dp.inter_file_dependencies and dp.workspace_diagnostics
        h.open("social/posting.dbmt", h.path("social/posting.dbmt").read_text().replace("Posts.id", "Postz.id", 1))
        r = await h.request(h.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=h.doc("social/posting.dbmt"))))
        assert codes(r.items) == ["DBMT101"]
        await h.settle()
        assert h.client.diagnostics == {}


async def test_a_file_with_more_diagnostics_than_the_limit_gets_errors_first_and_a_note(tmp_path):
    """Past dbmt.maxDiagnosticsPerFile, the first limit - 1 by severity (errors, then
    warnings …), in file order, then one note at the first left out, saying how many."""
    # 12 duplicate tables (DBMT105, made warnings), then 5 bad characters (DBMT001, errors).
    text = "Table t {\n  id int\n}\n" * 12 + "@\n" * 5
    write(tmp_path, {"a.dbmt": text})
    settings = {"dbmt": {"maxDiagnosticsPerFile": 10, "severity": {"DBMT105": "warning"}}}
    async with lsp(tmp_path, init_options=settings, configuration={"": settings}) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert len(ds) == 10
        kept, note = ds[:-1], ds[-1]
        # All 5 errors, then the first 4 warnings; sent in file order.
        assert [(d.code, d.range.start.line) for d in kept] == (
            [("DBMT105", 3 * i) for i in range(4)] + [("DBMT001", 36 + i) for i in range(5)])
        assert note.severity == types.DiagnosticSeverity.Information and note.code is None
        assert note.message == ("8 more diagnostics in this file are not shown, the first of them here "
                                "(dbmt.maxDiagnosticsPerFile is 10): `dbmt-lsp --check a.dbmt` lists all 17")
        # The fifth table's name: the first diagnostic left out.
        assert note.range == types.Range(start=types.Position(line=12, character=6),
                                         end=types.Position(line=12, character=7))


async def test_the_default_limit_is_1000_and_0_sends_every_diagnostic(tmp_path):
    text = "@\n" * 1200
    write(tmp_path, {"a.dbmt": text})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert len(ds) == 1000 and [d.range.start.line for d in ds[:-1]] == list(range(999))
        assert ds[-1].message.startswith("201 more diagnostics in this file are not shown")
        assert ds[-1].range.start.line == 999
    everything = {"dbmt": {"maxDiagnosticsPerFile": 0}}
    async with lsp(tmp_path, configuration={"": everything}) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) > 0)
        assert len(ds) == 1200 and {d.code for d in ds} == {"DBMT001"}


async def test_pulled_diagnostics_keep_the_same_limit(tmp_path):
    write(tmp_path, {"a.dbmt": "@\n" * 30})
    settings = {"dbmt": {"maxDiagnosticsPerFile": 5}}
    async with lsp(tmp_path, pull_caps(), configuration={"": settings}) as h:
        h.open("a.dbmt")
        r = await h.request(h.client.text_document_diagnostic_async(types.DocumentDiagnosticParams(
            text_document=h.doc("a.dbmt"))))
        assert len(r.items) == 5 and r.items[-1].message.startswith("26 more diagnostics")
        ws = await h.request(h.client.workspace_diagnostic_async(types.WorkspaceDiagnosticParams(previous_result_ids=[])))
        assert [len(i.items) for i in ws.items] == [5]


async def test_a_bad_diagnostics_limit_is_reported_and_the_default_kept(tmp_path):
    write(tmp_path, {"a.dbmt": "@\n" * 3})
    settings = {"dbmt": {"maxDiagnosticsPerFile": -3}}
    async with lsp(tmp_path, configuration={"": settings}) as h:
        h.open("a.dbmt")
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) == 3)
        assert {d.code for d in ds} == {"DBMT001"}
        await h.settle()
        assert any("dbmt.maxDiagnosticsPerFile must be a whole number, 0 for no limit, got -3" in m.message
                   for m in h.client.messages)
