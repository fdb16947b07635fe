-- End-to-end test of the dbmt plugin in a real Neovim, run by tests/editors/test_nvim.py as
--   nvim --clean --headless --cmd 'set rtp^=editors/nvim' -c 'luafile tests/editors/nvim/e2e.lua'
-- with the workspace copy in $DBMT_NVIM_ROOT. It drives Neovim as a user would (buffers,
-- typed keys, vim.lsp.buf.*, :checkhealth) and writes what it observed as JSON to
-- $DBMT_NVIM_OUT; pytest asserts on that. Nothing here judges results.
--
-- The script runs as a coroutine on Neovim's main loop: typed keys are processed between its
-- steps (insert-mode completion needs that). Every wait polls with a deadline ($DBMT_NVIM_WAIT_MS),
-- which only a hang reaches; no step measures time.
--
-- $DBMT_NVIM_MODE: `shipped` (Neovim's own capabilities), `pull` (announces
-- workspace/diagnostic/refresh and handles it as Neovim 0.12 does), `push` (announces no
-- pull diagnostics, and sets dbmt.severity). Only `shipped` runs the steps after the diagnostics.

local root = assert(vim.env.DBMT_NVIM_ROOT, 'DBMT_NVIM_ROOT')
local out_path = assert(vim.env.DBMT_NVIM_OUT, 'DBMT_NVIM_OUT')
local mode = vim.env.DBMT_NVIM_MODE or 'shipped'
local WAIT_MS = tonumber(vim.env.DBMT_NVIM_WAIT_MS or '60000')

local results = { mode = mode, order = {}, steps = {}, log = {} }
local co -- the coroutine running the steps

local function note(msg)
  table.insert(results.log, msg)
end

-- -- waiting -------------------------------------------------------------------------------------
local function sleep(ms)
  vim.defer_fn(function()
    local ok, err = coroutine.resume(co)
    if not ok then
      note('coroutine died: ' .. tostring(err))
    end
  end, ms)
  coroutine.yield()
end

--- Polls `cond` on the main loop until it returns a truthy value (returned), or fails the step
--- after WAIT_MS with `what`.
local function wait_for(what, cond)
  local deadline = vim.uv.now() + WAIT_MS
  while true do
    local ok, got = pcall(cond)
    if ok and got then
      return got
    end
    if vim.uv.now() > deadline then
      error(('timed out after %d ms waiting for %s%s'):format(WAIT_MS, what, ok and '' or (': ' .. tostring(got))), 2)
    end
    sleep(20)
  end
end

local function step(name, fn)
  table.insert(results.order, name)
  local ok, res = xpcall(fn, debug.traceback)
  if ok then
    results.steps[name] = { ok = true, data = res == nil and vim.NIL or res }
  else
    results.steps[name] = { ok = false, error = tostring(res) }
  end
  -- leave insert mode and any pending completion before the next step
  if vim.api.nvim_get_mode().mode:sub(1, 1) == 'i' then
    vim.cmd.stopinsert()
    sleep(20)
  end
end

-- -- helpers -----------------------------------------------------------------------------------
local function path(rel)
  return vim.fs.joinpath(root, rel)
end

local function client_of(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = 'dbmt' })[1]
end

--- Opens `rel` in the current window and waits until the dbmt server is attached and initialized.
local function open(rel, how)
  vim.cmd((how or 'edit') .. ' ' .. vim.fn.fnameescape(path(rel)))
  local bufnr = vim.api.nvim_get_current_buf()
  wait_for('the dbmt client on ' .. rel, function()
    local c = client_of(bufnr)
    return c and c.initialized
  end)
  return bufnr
end

--- 0-based row and byte column of the `nth` occurrence of `needle` in a buffer (plain text).
local function find(bufnr, needle, nth)
  nth = nth or 1
  local seen = 0
  for row, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local from = 1
    while true do
      local s = line:find(needle, from, true)
      if not s then
        break
      end
      seen = seen + 1
      if seen == nth then
        return row - 1, s - 1
      end
      from = s + 1
    end
  end
  error(('%q not found in %s'):format(needle, vim.api.nvim_buf_get_name(bufnr)), 2)
end

local function replace(bufnr, needle, new, nth)
  local row, col = find(bufnr, needle, nth)
  vim.api.nvim_buf_set_text(bufnr, row, col, row, col + #needle, { new })
end

local function ns_name(ns)
  for name, id in pairs(vim.api.nvim_get_namespaces()) do
    if id == ns then
      return name
    end
  end
  return tostring(ns)
end

local function diagnostics(bufnr)
  local got = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local lsp = vim.tbl_get(d, 'user_data', 'lsp') or {}
    table.insert(got, {
      file = vim.fs.relpath(root, vim.api.nvim_buf_get_name(d.bufnr)) or vim.api.nvim_buf_get_name(d.bufnr),
      lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
      severity = vim.diagnostic.severity[d.severity], code = d.code, source = d.source,
      message = d.message, namespace = ns_name(d.namespace),
      href = vim.tbl_get(lsp, 'codeDescription', 'href') or vim.NIL,
    })
  end
  return got
end

local function has_code(bufnr, code)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == code then
      return true
    end
  end
  return false
end

local function lines(bufnr)
  return vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
end

local function cursor_at(bufnr, needle, nth, delta)
  local row, col = find(bufnr, needle, nth)
  local win = vim.fn.bufwinid(bufnr)
  assert(win ~= -1, 'buffer not in a window')
  vim.api.nvim_set_current_win(win)
  vim.api.nvim_win_set_cursor(win, { row + 1, col + (delta or 0) })
end

local function here()
  local pos = vim.api.nvim_win_get_cursor(0)
  return {
    file = vim.fs.relpath(root, vim.api.nvim_buf_get_name(0)) or vim.api.nvim_buf_get_name(0),
    row = pos[1] - 1, col = pos[2],
  }
end

--- Lets a request reach the server and its answers come back: one request round trip.
local function round_trip(bufnr)
  local c = assert(client_of(bufnr))
  local done = false
  c:request('textDocument/documentHighlight', {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) }, position = { line = 0, character = 0 },
  }, function()
    done = true
  end, bufnr)
  wait_for('a round trip to the server', function()
    return done
  end)
end

-- -- the configuration under test ------------------------------------------------------------
local function configure()
  if mode == 'push' then
    -- Announce no pull diagnostics (JSON null replaces Neovim's default), and a server setting
    -- (answered to workspace/configuration) that makes DBMT101 a warning.
    vim.lsp.config('dbmt', {
      capabilities = { textDocument = { diagnostic = vim.NIL } },
      settings = { dbmt = { severity = { DBMT101 = 'warning' } } },
    })
  elseif mode == 'pull' then
    -- What Neovim 0.12 adds: the refresh capability and a handler re-pulling attached buffers.
    vim.lsp.config('dbmt', { capabilities = { workspace = { diagnostics = { refreshSupport = true } } } })
    vim.lsp.handlers['workspace/diagnostic/refresh'] = function(_, _, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      for bufnr in pairs(client and client.attached_buffers or {}) do
        vim.lsp.util._refresh('textDocument/diagnostic', { bufnr = bufnr, client_id = ctx.client_id })
      end
      return vim.NIL
    end
  end
  vim.lsp.enable('dbmt')
end

-- -- the steps -----------------------------------------------------------------------------------
local function run()
  configure()
  local posting, gloves, shoes

  step('attach', function()
    posting = open('social/posting.dbmt')
    local c = client_of(posting)
    local caps = c.server_capabilities
    return {
      name = c.name, root_dir = c.root_dir or vim.NIL, offset_encoding = c.offset_encoding,
      workspace_folders = c.workspace_folders or vim.NIL,
      filetype = vim.bo[posting].filetype, syntax = vim.bo[posting].syntax,
      commentstring = vim.bo[posting].commentstring,
      announced_pull = c.capabilities.textDocument.diagnostic ~= vim.NIL and c.capabilities.textDocument.diagnostic ~= nil,
      announced_refresh = vim.tbl_get(c.capabilities, 'workspace', 'diagnostics', 'refreshSupport') == true,
      server = {
        diagnostic = caps.diagnosticProvider ~= nil, hover = caps.hoverProvider ~= nil and caps.hoverProvider ~= false,
        completion = caps.completionProvider or vim.NIL, definition = caps.definitionProvider ~= nil,
        rename = caps.renameProvider or vim.NIL, semantic_tokens = caps.semanticTokensProvider ~= nil,
        formatting = caps.documentFormattingProvider ~= nil and caps.documentFormattingProvider ~= false,
      },
    }
  end)

  step('diagnostic', function()
    wait_for('DBMT101 in posting.dbmt', function()
      return has_code(posting, 'DBMT101')
    end)
    round_trip(posting) -- anything published with it has arrived too
    return diagnostics(posting)
  end)

  step('diagnostic_fixed', function()
    replace(posting, 'ref: > Post.id', 'ref: > Posts.id')
    wait_for('the diagnostics of posting.dbmt to clear', function()
      return #vim.diagnostic.get(posting) == 0
    end)
    return { line = find(posting, 'ref: > Posts.id') }
  end)

  step('cross_file', function()
    -- shoes.dbmt imports Gloves from gloves.dbmt; renaming the table in gloves.dbmt (unsaved)
    -- breaks the import in the other open file, and undoing it clears that file again.
    vim.cmd('silent! only')
    shoes = open('shoes/shoes.dbmt')
    gloves = open('gloves/gloves.dbmt', 'split')
    round_trip(gloves)
    local before = diagnostics(shoes)
    replace(gloves, 'Table Gloves {', 'Table Glovez {')
    local ok, err = pcall(wait_for, 'DBMT111 in shoes.dbmt after the edit in gloves.dbmt', function()
      return has_code(shoes, 'DBMT111')
    end)
    round_trip(gloves)
    local broken = diagnostics(shoes)
    replace(gloves, 'Table Glovez {', 'Table Gloves {') -- also when it failed: later steps need it
    if not ok then
      error(err, 0)
    end
    wait_for('shoes.dbmt to clear after the edit is undone', function()
      return #vim.diagnostic.get(shoes) == 0
    end)
    return { before = before, broken = broken }
  end)

  if mode ~= 'shipped' then
    return
  end

  step('disk_change', function()
    -- A closed file changed on disk (a pull, a checkout): Neovim on Linux announces no dynamic
    -- file watchers, so the server watches the workspace itself. Renaming the enum in
    -- accessories.dbmt on disk breaks shoes.dbmt's import; restoring the file clears it.
    vim.cmd('silent! only')
    shoes = open('shoes/shoes.dbmt')
    local client = client_of(shoes)
    local wf = vim.tbl_get(client.capabilities, 'workspace', 'didChangeWatchedFiles', 'dynamicRegistration')
    local file = path('accessories/accessories.dbmt')
    local original = table.concat(vim.fn.readfile(file, 'b'), '\n')
    local renamed = original:gsub('Enum AccessoryExtType {', 'Enum AccessoryExtTipe {', 1)
    local function write(text)
      local f = assert(io.open(file, 'wb'))
      f:write(text)
      f:close()
    end
    -- The server's watcher starts in the background: write again until it is seen (each write
    -- is an event of its own).
    local function until_seen(text, what, cond)
      local tries = 0
      wait_for(what, function()
        if tries % 25 == 0 then
          write(text)
        end
        tries = tries + 1
        return cond()
      end)
    end
    local ok, err = pcall(until_seen, renamed, 'DBMT111 in shoes.dbmt after accessories.dbmt changed on disk', function()
      return has_code(shoes, 'DBMT111')
    end)
    local broken = diagnostics(shoes)
    until_seen(original, 'shoes.dbmt to clear after accessories.dbmt is restored on disk', function()
      return #vim.diagnostic.get(shoes) == 0
    end)
    if not ok then
      error(err, 0)
    end
    return { dynamic_watchers = wf == true, broken = broken }
  end)

  step('dbml', function()
    -- A .dbml file: its own filetype and syntax (no marks), the same server, DBML's rules.
    vim.cmd('silent! only')
    local legacy = open('legacy.dbml')
    wait_for('DBMT110 in legacy.dbml', function()
      return has_code(legacy, 'DBMT110')
    end)
    round_trip(legacy)
    local row, col = find(legacy, '%relation')
    return {
      filetype = vim.bo[legacy].filetype, syntax = vim.bo[legacy].syntax, diagnostics = diagnostics(legacy),
      mark_group = vim.fn.synIDattr(vim.fn.synID(row + 1, col + 1, 1), 'name'),
    }
  end)

  step('definition', function()
    -- `Gloves` as a member of TableGroup GrProducts in shoes.dbmt → Table Gloves in gloves.dbmt.
    vim.cmd('silent! only')
    vim.cmd.buffer(shoes)
    cursor_at(shoes, '  Gloves', 1, 2)
    local from = here()
    vim.lsp.buf.definition()
    wait_for('the jump to gloves.dbmt', function()
      return vim.api.nvim_buf_get_name(0):match('gloves%.dbmt$')
    end)
    return { from = from, to = here() }
  end)

  step('completion', function()
    -- Typing `%` at the start of a member line of Table Users, with Neovim's LSP completion
    -- (autotrigger on the server's trigger characters), as a user types it.
    vim.cmd('silent! only')
    vim.cmd.buffer(posting)
    local c = client_of(posting)
    local triggers = vim.tbl_get(c.server_capabilities, 'completionProvider', 'triggerCharacters')
    if not triggers then
      error('the server announces no completionProvider')
    end
    vim.o.completeopt = 'menuone,noselect'
    vim.lsp.completion.enable(true, c.id, posting, { autotrigger = true })
    local row = find(posting, 'Table Users {')
    vim.api.nvim_buf_set_lines(posting, row + 1, row + 1, false, { '  ' })
    vim.api.nvim_win_set_cursor(0, { row + 2, 2 })
    vim.api.nvim_feedkeys(vim.keycode('A%'), 'nt', false)
    local items = wait_for('the completion menu after %', function()
      local info = vim.fn.complete_info({ 'items', 'mode' })
      return #info.items > 0 and info.items
    end)
    local words = {}
    for _, it in ipairs(items) do
      table.insert(words, { word = it.word, abbr = it.abbr, kind = it.kind })
    end
    local line = vim.api.nvim_get_current_line()
    -- Select the first item and accept it.
    vim.api.nvim_feedkeys(vim.keycode('<C-n><C-y>'), 'nt', false)
    local accepted = wait_for('the accepted item in the line', function()
      local now = vim.api.nvim_get_current_line()
      return now ~= line and vim.fn.pumvisible() == 0 and now
    end)
    vim.api.nvim_feedkeys(vim.keycode('<Esc>'), 'nt', false)
    wait_for('normal mode', function()
      return vim.api.nvim_get_mode().mode == 'n'
    end)
    vim.api.nvim_buf_set_lines(posting, row + 1, row + 2, false, {})
    return { triggers = triggers, items = words, line = line, accepted = accepted }
  end)

  step('hover', function()
    vim.cmd('silent! only')
    vim.cmd.buffer(posting)
    if not client_of(posting).server_capabilities.hoverProvider then
      error('the server announces no hoverProvider')
    end
    cursor_at(posting, 'Table Posts {', 1, #'Table ')
    vim.lsp.buf.hover()
    local win = wait_for('the hover window', function()
      for _, w in ipairs(vim.api.nvim_list_wins()) do
        if vim.api.nvim_win_get_config(w).relative ~= '' then
          return w
        end
      end
    end)
    local text = lines(vim.api.nvim_win_get_buf(win))
    vim.api.nvim_win_close(win, true)
    return { lines = text }
  end)

  step('rename', function()
    -- Rename Table Gloves (gloves.dbmt) to Mittens: its uses in shoes.dbmt change too.
    vim.cmd('silent! only')
    vim.cmd.buffer(gloves)
    cursor_at(gloves, 'Table Gloves {', 1, #'Table ')
    vim.lsp.buf.rename('Mittens')
    wait_for('the rename in both files', function()
      return table.concat(lines(gloves), '\n'):find('Mittens', 1, true)
        and table.concat(lines(shoes), '\n'):find('Mittens', 1, true)
    end)
    round_trip(gloves)
    wait_for('no diagnostics in the two files after the rename', function()
      return #vim.diagnostic.get(gloves) == 0 and #vim.diagnostic.get(shoes) == 0
    end)
    return {
      gloves = lines(gloves), shoes = lines(shoes),
      diagnostics = vim.list_extend(diagnostics(gloves), diagnostics(shoes)),
    }
  end)

  step('formatting', function()
    -- vim.lsp.buf.format() on a badly laid out file (unsaved result: the buffer's lines).
    vim.cmd('silent! only')
    local messy = open('misc/messy.dbmt')
    local before = lines(messy)
    vim.lsp.buf.format({ bufnr = messy, timeout_ms = WAIT_MS })
    wait_for('the formatted text', function()
      return not vim.deep_equal(lines(messy), before)
    end)
    return { lines = lines(messy) }
  end)

  step('semantic_tokens', function()
    -- The server's tokens as Neovim's highlighter holds them (a headless Neovim has no screen,
    -- so nothing is drawn: the highlighter's state is what is looked at). Their groups,
    -- @lsp.type.<type>.dbmt, have a higher priority than the syntax groups under them.
    vim.cmd('silent! only')
    vim.cmd.buffer(posting)
    if not client_of(posting).server_capabilities.semanticTokensProvider then
      error('the server announces no semanticTokensProvider')
    end
    local row, col = find(posting, '%relation_source')
    local tokens = wait_for('semantic tokens on a mark', function()
      local got = vim.lsp.semantic_tokens.get_at_pos(posting, row, col + 1)
      return got and #got > 0 and got
    end)
    local out = {}
    for _, t in ipairs(tokens) do
      table.insert(out, {
        type = t.type, modifiers = vim.tbl_keys(t.modifiers or {}), line = t.line,
        start_col = t.start_col, end_col = t.end_col,
        hl_defined = next(vim.api.nvim_get_hl(0, { name = '@lsp.type.' .. t.type })) ~= nil,
      })
    end
    return {
      tokens = out,
      syntax = vim.fn.synIDattr(vim.fn.synID(row + 1, col + 1, 1), 'name'),
    }
  end)

  step('syntax', function()
    -- The Vim syntax file (before, and under, the semantic tokens).
    vim.cmd('silent! only')
    vim.cmd.buffer(posting)
    local function group_at(needle, delta)
      local row, col = find(posting, needle)
      return vim.fn.synIDattr(vim.fn.synID(row + 1, col + 1 + (delta or 0), 1), 'name')
    end
    return {
      mark = group_at('%relation_source'),
      element = group_at('Table Posts'),
      comment = group_at('// Users'),
      string = group_at("'P1Y2M3DT4H'", 1),
      expression = group_at('`length'),
      setting = group_at('pk]'),
    }
  end)

  step('commenting', function()
    -- ftplugin's commentstring with Neovim's built-in `gcc`, on a scratch dbmt buffer.
    vim.cmd('enew')
    vim.bo.buftype = 'nofile'
    vim.bo.filetype = 'dbmt'
    vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'Table T {', '  id int', '}' })
    vim.api.nvim_win_set_cursor(0, { 2, 0 })
    vim.cmd('normal gcc')
    return { commentstring = vim.bo.commentstring, lines = lines(0) }
  end)

  step('checkhealth', function()
    vim.cmd('silent! only')
    vim.cmd.buffer(posting)
    vim.cmd('checkhealth dbmt')
    local report = wait_for('the health report', function()
      local text = lines(0)
      return vim.bo.filetype == 'checkhealth' and table.concat(text, '\n'):find('dbmt: workspace', 1, true) and text
    end)
    vim.cmd('tabclose')
    return { report = report }
  end)

  step('checkhealth_missing_server', function()
    -- The same check when the configured command does not exist reports an error.
    vim.lsp.config('dbmt', { cmd = { 'dbmt-lsp-that-is-not-installed' } })
    vim.cmd.buffer(posting)
    vim.cmd('checkhealth dbmt')
    local report = wait_for('the health report', function()
      local text = lines(0)
      return vim.bo.filetype == 'checkhealth' and table.concat(text, '\n'):find('dbmt: workspace', 1, true) and text
    end)
    vim.cmd('tabclose')
    return { report = report }
  end)
end

local function finish()
  local f = assert(io.open(out_path, 'w'))
  f:write(vim.json.encode(results))
  f:close()
  vim.cmd('qall!')
end

co = coroutine.create(function()
  local ok, err = xpcall(run, debug.traceback)
  if not ok then
    results.fatal = tostring(err)
  end
  finish()
end)
-- Start once startup is over (filetype detection and plugins are on by then).
vim.schedule(function()
  local ok, err = coroutine.resume(co)
  if not ok then
    results.fatal = tostring(err)
    finish()
  end
end)
