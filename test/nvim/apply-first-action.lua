-- Run by test/lsp-neovim.test.ts (Neovim 0.7 has no `-l`):
--   nvim --headless --clean -c "luafile apply-first-action.lua" <Dockerfile>
-- Env: DOCKERFIX_CMD (the server command, JSON list), DOCKERFIX_LINE (1-based cursor line).
-- Starts `dockerfix lsp`, waits for its diagnostics, runs vim.lsp.buf.code_action() at the cursor,
-- chooses the first action (Neovim resolves it when it came without its edit), waits until it is
-- applied, writes the file and quits (exit code 0), or quits with 1 and a message.
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
-- Neovim's own code action command (the diagnostics of the line as context), with the menu
-- answered by choosing the first entry. Neovim 0.7 declares codeAction resolveSupport (`edit`):
-- an action offered without its edit is resolved (`codeAction/resolve`) before it is applied.
local tick = vim.api.nvim_buf_get_changedtick(bufnr)
local chosen
vim.ui.select = function(items, _, on_choice)
  chosen = items[1]
  if not chosen then return on_choice(nil) end
  local action = chosen[2]
  io.stdout:write('applying: ' .. action.title .. '\n')
  io.stdout:write(action.edit and 'edit: with the action\n' or 'edit: resolved (codeAction/resolve)\n')
  on_choice(chosen, 1)
end
vim.lsp.buf.code_action()
if not vim.wait(20000, function() return chosen ~= nil end, 50) then
  return fail('no code actions')
end
if not vim.wait(20000, function() return vim.api.nvim_buf_get_changedtick(bufnr) ~= tick end, 50) then
  return fail('the chosen action changed nothing')
end
vim.cmd('write')
vim.lsp.stop_client(client_id)
vim.cmd('qall!')
