"""The workspace through the protocol: files created, changed and deleted on disk, config files,
several roots, folders added and removed, files outside every folder, unreadable files."""

from __future__ import annotations

from lsprotocol import types

from lsp_harness import lsp, uri, write


def watched(h, *changes):
    h.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=uri(h.root / rel), type=t) for rel, t in changes]))


async def test_files_created_and_deleted_on_disk(tmp_path):
    write(tmp_path, {"b.dbmt": "Table posts {\n  id int [pk]\n  u int [ref: > users.id]\n}\n"})
    async with lsp(tmp_path) as h:
        await h.wait_diagnostics("b.dbmt", lambda ds: [d.code for d in ds] == ["DBMT101"])
        write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\n"})
        watched(h, ("a.dbmt", types.FileChangeType.Created))
        await h.wait_diagnostics("b.dbmt", lambda ds: ds == [])
        write(tmp_path, {"a.dbmt": "Table user {\n  id int [pk]\n}\n"})
        watched(h, ("a.dbmt", types.FileChangeType.Changed))
        ds = await h.wait_diagnostics("b.dbmt", lambda ds: len(ds) == 1)
        assert "did you mean 'user'" in ds[0].message
        (tmp_path / "a.dbmt").unlink()
        watched(h, ("a.dbmt", types.FileChangeType.Deleted))
        ds = await h.wait_diagnostics("b.dbmt", lambda ds: len(ds) == 1 and "did you mean" not in ds[0].message)
        assert ds[0].code == "DBMT101"


async def test_open_documents_override_disk(tmp_path):
    write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\n",
                     "b.dbmt": "Table posts {\n  id int [pk]\n  u int [ref: > users.id]\n}\n"})
    async with lsp(tmp_path) as h:
        h.open("a.dbmt", "Table people {\n  id int [pk]\n}\n")
        await h.wait_diagnostics("b.dbmt", lambda ds: [d.code for d in ds] == ["DBMT101"])
        # A change on disk to an open document is not what the editor shows: ignored.
        write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\n"})
        watched(h, ("a.dbmt", types.FileChangeType.Changed))
        await h.settle()
        assert [d.code for d in h.client.diagnostics[h.uri("b.dbmt")]] == ["DBMT101"]
        # Closing it makes the disk text count again.
        h.close("a.dbmt")
        await h.wait_diagnostics("b.dbmt", lambda ds: ds == [])


async def test_unsaved_new_document_is_part_of_the_workspace_until_closed(tmp_path):
    write(tmp_path, {"b.dbmt": "Table posts {\n  id int [pk]\n  u int [ref: > users.id]\n}\n"})
    async with lsp(tmp_path) as h:
        await h.wait_diagnostics("b.dbmt", lambda ds: len(ds) == 1)
        h.open("new.dbmt", "Table users {\n  id int [pk]\n}\n")
        await h.wait_diagnostics("b.dbmt", lambda ds: ds == [])
        h.close("new.dbmt")
        await h.wait_diagnostics("b.dbmt", lambda ds: len(ds) == 1)


async def test_config_file_change_rechecks(tmp_path):
    write(tmp_path, {"a.dbmt": "Table t {\n  id int [pk]\n  n int [default: 'x']\n}\n"})
    async with lsp(tmp_path) as h:
        await h.wait_diagnostics("a.dbmt", lambda ds: [d.code for d in ds] == ["DBMT601"])
        write(tmp_path, {"dbmt.toml": "[severity]\nDBMT601 = \"off\"\n"})
        watched(h, ("dbmt.toml", types.FileChangeType.Created))
        await h.wait_diagnostics("a.dbmt", lambda ds: ds == [])
        write(tmp_path, {"dbmt.toml": "[severity]\nDBMT601 = \"hint\"\n"})
        watched(h, ("dbmt.toml", types.FileChangeType.Changed))
        ds = await h.wait_diagnostics("a.dbmt", lambda ds: len(ds) == 1)
        assert ds[0].severity == types.DiagnosticSeverity.Hint


async def test_a_bad_config_is_shown_and_defaults_are_used(tmp_path):
    write(tmp_path, {"dbmt.toml": "extension-limit = 'many'\n",
                     "a.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > nope.id]\n}\n"})
    async with lsp(tmp_path) as h:
        await h.wait_diagnostics("a.dbmt", lambda ds: [d.code for d in ds] == ["DBMT101"])
        assert any("extension-limit" in m.message for m in h.client.messages)


async def test_each_folder_is_its_own_workspace_with_its_own_config(tmp_path):
    a = write(tmp_path / "team_a", {"dbmt.toml": "[severity]\nDBMT601 = \"warning\"\n",
                                    "s.dbmt": "Table t {\n  id int [pk]\n  n int [default: 'x']\n}\n"})
    b = write(tmp_path / "team_b", {"s.dbmt": "Table t {\n  id int [pk]\n  n int [default: 'x']\n}\n"})
    async with lsp(tmp_path, folders=[a, b]) as h:
        # The same table in both roots is no duplicate: they are separate workspaces.
        da = await h.wait_diagnostics("team_a/s.dbmt", lambda ds: len(ds) == 1)
        db = await h.wait_diagnostics("team_b/s.dbmt", lambda ds: len(ds) == 1)
        assert da[0].code == db[0].code == "DBMT601"
        assert da[0].severity == types.DiagnosticSeverity.Warning
        assert db[0].severity == types.DiagnosticSeverity.Error


async def test_workspace_folders_added_and_removed(tmp_path):
    a = write(tmp_path / "a", {"x.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > nope.id]\n}\n"})
    b = write(tmp_path / "b", {"y.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > gone.id]\n}\n"})
    async with lsp(tmp_path, folders=[a]) as h:
        await h.wait_diagnostics("a/x.dbmt", lambda ds: len(ds) == 1)
        h.client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(added=[types.WorkspaceFolder(uri=uri(b), name="b")], removed=[])))
        await h.wait_diagnostics("b/y.dbmt", lambda ds: len(ds) == 1)
        h.client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(added=[], removed=[types.WorkspaceFolder(uri=uri(a), name="a")])))
        await h.wait_diagnostics("a/x.dbmt", lambda ds: ds == [])


async def test_a_file_outside_every_folder_gets_its_own_workspace(tmp_path):
    inside = write(tmp_path / "in", {"x.dbmt": "Table t {\n  id int [pk]\n}\n"})
    write(tmp_path / "out", {"y.dbmt": "Table t {\n  id int [pk]\n  u int [ref: > missing.id]\n}\n"})
    async with lsp(tmp_path, folders=[inside]) as h:
        h.open("out/y.dbmt")
        ds = await h.wait_diagnostics("out/y.dbmt", lambda ds: len(ds) == 1)
        assert ds[0].code == "DBMT101"


async def test_not_utf8_file_is_reported_at_its_place(tmp_path):
    (tmp_path / "bad.dbmt").write_bytes(b"Table t {\n  id int [pk]\n  note varchar [note: 'caf\xe9']\n}\n")
    write(tmp_path, {"ok.dbmt": "Table u {\n  id int [pk]\n  x int [ref: > t.id]\n}\n"})
    async with lsp(tmp_path) as h:
        ds = await h.wait_diagnostics("bad.dbmt", lambda ds: len(ds) > 0)
        d = ds[0]
        assert d.code == "DBMT001" and "not valid UTF-8" in d.message
        assert d.range.start == types.Position(line=2, character=len("  note varchar [note: 'caf"))
        await h.settle()
        assert list(h.client.diagnostics.get(h.uri("ok.dbmt"), [])) == []  # its names still count
        # Changed on disk, still bad: still reported, at the new place.
        (tmp_path / "bad.dbmt").write_bytes(b"Table t {\n  id int [pk]\n}\n// \xff\n")
        watched(h, ("bad.dbmt", types.FileChangeType.Changed))
        await h.wait_diagnostics("bad.dbmt", lambda ds: len(ds) == 1 and ds[0].range.start.line == 3)


async def test_files_over_the_size_limit_are_reported_not_analysed(tmp_path):
    big = "Table t {\n  id int [pk]\n  u int [ref: > nope.id]\n}\n" + "// padding\n" * 200
    write(tmp_path, {"big_on_disk.dbmt": big, "small.dbmt": "Table s {\n  id int [pk]\n}\n"})
    async with lsp(tmp_path, init_options={"dbmt": {"maxFileBytes": 1000}}) as h:
        h.open("opened.dbmt", big)
        await h.settle()
        await h.settle()
        said = " ".join(m.message for m in h.client.messages)
        assert f"big_on_disk.dbmt is {len(big):,} bytes, over the live-analysis limit of 1,000 bytes" in said
        assert "opened.dbmt" in said and "dbmt.maxFileBytes" in said
        assert not h.client.diagnostics.get(h.uri("opened.dbmt"))
        # Cut below the limit: analysed like any other file.
        h.replace_all("opened.dbmt", big[:200])
        ds = await h.wait_diagnostics("opened.dbmt", lambda ds: len(ds) > 0)
        assert ds[0].code == "DBMT101"


async def test_the_server_watches_files_itself_for_a_client_that_cannot(tmp_path):
    """A client without dynamic registration of watched files (Neovim on Linux): files created,
    changed and deleted on disk still reach the index, through the server's own watcher."""
    import asyncio

    from lsp_harness import push_caps

    c = push_caps()
    c.workspace.did_change_watched_files = types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=False)
    write(tmp_path, {"b.dbmt": "Table posts {\n  id int [pk]\n  u int [ref: > users.id]\n}\n"})

    async def until_seen(change, predicate):
        # The watcher starts in the background: repeat the change on disk until the index
        # has it (each repetition is an event of its own; only a hang reaches the bound).
        for _ in range(120):
            change()
            try:
                return await h.wait_diagnostics("b.dbmt", predicate, timeout=1.0)
            except asyncio.TimeoutError:
                continue
        raise AssertionError("the server never saw the change on disk")

    async with lsp(tmp_path, c) as h:
        await h.wait_diagnostics("b.dbmt", lambda ds: [d.code for d in ds] == ["DBMT101"])
        await until_seen(lambda: write(tmp_path, {"a.dbmt": "Table users {\n  id int [pk]\n}\n"}), lambda ds: ds == [])
        ds = await until_seen(lambda: write(tmp_path, {"a.dbmt": "Table user {\n  id int [pk]\n}\n"}), lambda ds: len(ds) == 1)
        assert "did you mean 'user'" in ds[0].message
        await until_seen(lambda: (tmp_path / "a.dbmt").unlink(missing_ok=True),
                         lambda ds: len(ds) == 1 and "did you mean" not in ds[0].message)
