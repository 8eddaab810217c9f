-- Run by test/lsp-neovim.test.ts (Neovim 0.7 has no `-l`):
--   nvim --headless --clean -c "luafile apply-first-action.lua" <Dockerfile>
-- Env: DOCKERFIX_CMD (the server command, JSON list), DOCKERFIX_LINE (1-based cursor line).
-- Starts `dockerfix lsp`, waits for its diagnostics, requests the code actions at the cursor,
-- applies the first one, writes the file and quits (exit code 0), or quits with 1 and a message.
local function fail(msg)
  io.stderr:write('nvim-test: ' .. msg .. '\n')
  vim.cmd('cquit 1')
end

local cmd = vim.fn.json_decode(os.getenv('DOCKERFIX_CMD'))
local bufnr = vim.api.nvim_get_current_buf()
local file = vim.api.nvim_buf_get_name(bufnr)
local diagnostics_seen = false
local client_id = vim.lsp.start_client({
  name = 'dockerfix',
  cmd = cmd,
  root_dir = vim.fn.fnamemodify(file, ':h'),
  handlers = {
    ['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
      if result and #result.diagnostics > 0 then diagnostics_seen = true end
      vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    end,
  },
})
if not client_id then return fail('could not start the server') end
vim.lsp.buf_attach_client(bufnr, client_id)

if not vim.wait(20000, function() return diagnostics_seen end, 50) then
  return fail('no diagnostics from the server')
end

local line = tonumber(os.getenv('DOCKERFIX_LINE') or '1')
vim.api.nvim_win_set_cursor(0, { line, 0 })
local params = vim.lsp.util.make_range_params()
params.context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr) }
local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 20000)
local actions = {}
for _, r in pairs(responses or {}) do
  for _, a in ipairs(r.result or {}) do table.insert(actions, a) end
end
if #actions == 0 then return fail('no code actions') end
local first = actions[1]
io.stdout:write('applying: ' .. first.title .. '\n')
if not first.edit then return fail('the first action has no edit') end
vim.lsp.util.apply_workspace_edit(first.edit, 'utf-16')
vim.cmd('write')
vim.lsp.stop_client(client_id)
vim.cmd('qall!')
