-- The dbmt language server for Neovim >= 0.11: `vim.lsp.enable('dbmt')`.
--
-- Override any field with `vim.lsp.config('dbmt', { ... })`, for example the command when
-- `dbmt-lsp` is not on PATH:
--   vim.lsp.config('dbmt', { cmd = { '/path/to/venv/bin/dbmt-lsp' } })
--   vim.lsp.config('dbmt', { cmd = { 'python3', '-m', 'dbmt' } })
-- Server settings go under `settings.dbmt` (answered to the server's workspace/configuration):
--   vim.lsp.config('dbmt', { settings = { dbmt = { debounce = 150, severity = { DBMT605 = 'off' } } } })

---@type vim.lsp.Config
return {
  cmd = { 'dbmt-lsp' },
  filetypes = { 'dbmt', 'dbml' },
  -- The workspace folder sent to the server. The nearest dbmt.toml wins over a nearer
  -- pyproject.toml; the server itself then finds each file's config root below the folder.
  root_markers = { 'dbmt.toml', 'pyproject.toml', '.git' },
}
