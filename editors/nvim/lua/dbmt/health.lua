-- `:checkhealth dbmt`: is the plugin's LSP config there, does its command run (and which
-- version answers), which root would a dbmt buffer get, and is a server attached.
local M = {}

local h = vim.health

--- The command of the resolved `dbmt` config, if it is a list (a function cmd is the user's own).
local function command(config)
  if type(config.cmd) == 'table' and #config.cmd > 0 then
    return config.cmd
  end
end

--- The buffer to report on: the current one when it is a dbmt or DBML file, else the first
--- loaded one that is.
local function schema_buffer()
  local cur = vim.api.nvim_get_current_buf()
  local function is_schema(b)
    return vim.api.nvim_buf_is_loaded(b) and (vim.bo[b].filetype == 'dbmt' or vim.bo[b].filetype == 'dbml')
  end
  if is_schema(cur) then
    return cur
  end
  -- :checkhealth opens its own buffer: the alternate one is where the user was.
  local alt = vim.fn.bufnr('#')
  if alt > 0 and is_schema(alt) then
    return alt
  end
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if is_schema(b) then
      return b
    end
  end
end

--- The workspace folder Neovim would send for `bufnr` (or the working directory), as
--- vim.lsp.enable decides it: `root_dir` if the config sets one, else `root_markers`.
local function workspace_root(config, bufnr)
  local source = bufnr or assert(vim.uv.cwd())
  if type(config.root_dir) == 'string' then
    return config.root_dir, 'root_dir'
  elseif type(config.root_dir) == 'function' then
    if not bufnr then
      return nil, 'root_dir() (needs a buffer)'
    end
    local got, done = nil, false
    config.root_dir(bufnr, function(dir)
      got, done = dir, true
    end)
    vim.wait(2000, function()
      return done
    end, 20)
    return got, 'root_dir()'
  elseif config.root_markers then
    return vim.fs.root(source, config.root_markers), 'root_markers ' .. vim.inspect(config.root_markers)
  end
  return nil, 'no root_dir or root_markers'
end

--- The root the server gives the file at `path` (server/dbmt/workspace/config.py find_root):
--- the nearest folder with dbmt.toml or a pyproject.toml holding [tool.dbmt]; else the nearest
--- with .git; else the workspace folder, when the file is inside it; else the file's folder.
local function server_root(path, folder)
  local dir = vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(path, ':p')))
  for d in vim.fs.parents(dir .. '/x') do
    if vim.uv.fs_stat(d .. '/dbmt.toml') then
      return d, 'dbmt.toml'
    end
    local py = d .. '/pyproject.toml'
    if vim.uv.fs_stat(py) then
      for _, line in ipairs(vim.fn.readfile(py)) do
        if line:match('^%s*%[tool%.dbmt[%].]') then
          return d, 'pyproject.toml [tool.dbmt]'
        end
      end
    end
  end
  for d in vim.fs.parents(dir .. '/x') do
    if vim.uv.fs_stat(d .. '/.git') then
      return d, 'the repository: no dbmt.toml above the file'
    end
  end
  if folder and (dir == folder or vim.startswith(dir, folder .. '/')) then
    return folder, 'the workspace folder: no dbmt.toml or .git above the file'
  end
  return dir, "the file's folder: no dbmt.toml or .git above it"
end

function M.check()
  h.start('dbmt: Neovim')
  if vim.fn.has('nvim-0.11') == 1 then
    h.ok('Neovim ' .. tostring(vim.version()))
  else
    h.error('Neovim ' .. tostring(vim.version()) .. ' is too old', { 'the plugin needs Neovim 0.11 or later' })
    return
  end
  for _, ft in ipairs({ 'dbmt', 'dbml' }) do
    local ext = ft
    local got = vim.filetype.match({ filename = 'schema.' .. ext })
    if got == ft then
      h.ok(('*.%s files get filetype %s'):format(ext, ft))
    else
      h.error(('*.%s files get filetype %s, not %s'):format(ext, vim.inspect(got), ft),
        { 'is the plugin on the runtimepath? ftdetect/dbmt.lua sets it' })
    end
  end

  h.start('dbmt: language server')
  local found = vim.api.nvim_get_runtime_file('lsp/dbmt.lua', true)
  if #found == 0 then
    h.error('no lsp/dbmt.lua on the runtimepath', { 'add the plugin (editors/nvim) to the runtimepath' })
    return
  end
  h.ok('config: ' .. table.concat(found, ', '))
  local config = vim.lsp.config.dbmt or {}
  if vim.lsp.is_enabled('dbmt') then
    h.ok("enabled (vim.lsp.enable('dbmt'))")
  else
    h.warn('not enabled: dbmt and DBML buffers start no server', { "call vim.lsp.enable('dbmt') in your config" })
  end

  local cmd = command(config)
  if not cmd then
    h.info('cmd is a function: not run here')
  else
    local exe = vim.fn.exepath(cmd[1])
    if exe == '' then
      h.error(("'%s' not found on PATH"):format(cmd[1]), {
        'install the server: `pipx install .` in a clone of the dbmt repository (see docs/editors/neovim.md)',
        "or point the config at it: vim.lsp.config('dbmt', { cmd = { '/path/to/dbmt-lsp' } })",
      })
    else
      local argv = vim.list_extend(vim.deepcopy(cmd), { '--version' })
      argv[1] = exe
      local ok, res = pcall(function()
        return vim.system(argv, { text = true }):wait(15000)
      end)
      local out = ok and vim.trim((res.stdout or '') .. (res.stderr or '')) or tostring(res)
      if ok and res.code == 0 and out:match('^dbmt%-lsp ') then
        h.ok(('%s: %s'):format(table.concat(argv, ' '), out))
      else
        h.error(('%s did not answer with its version (exit %s): %s'):format(table.concat(argv, ' '),
          ok and tostring(res.code) or '?', out ~= '' and out or '(no output)'))
      end
    end
  end

  h.start('dbmt: workspace')
  local bufnr = schema_buffer()
  local where = bufnr and vim.api.nvim_buf_get_name(bufnr) or assert(vim.uv.cwd())
  local root, how = workspace_root(config, bufnr)
  if root then
    h.ok(('workspace folder for %s: %s (%s)'):format(where, root, how))
  else
    h.info(('no workspace folder for %s (%s): the server uses the file\'s own folder'):format(where, how))
  end
  if bufnr then
    local sroot, why = server_root(where, root)
    h.ok(('server root for this file: %s (%s)'):format(sroot, why))
    local clients = vim.lsp.get_clients({ bufnr = bufnr, name = 'dbmt' })
    if #clients > 0 then
      for _, c in ipairs(clients) do
        local mode = c.server_capabilities.diagnosticProvider and 'pull' or 'push'
        h.ok(('server attached: client %d, root %s, %s diagnostics, position encoding %s'):format(
          c.id, c.root_dir or '(none)', mode, c.offset_encoding))
      end
    else
      h.info('no dbmt server attached to this buffer yet')
    end
  else
    h.info('open a .dbmt or .dbml file to see the root and the server it gets')
  end
end

return M
