#!/usr/bin/env bash
# Neovim (Debian's package, 0.7) for test/lsp-neovim.test.ts: a real LSP client driving
# `dockerfix lsp`. Idempotent; a failure only makes that test skip with its reason.
set -u
if command -v nvim >/dev/null 2>&1; then
  echo "neovim already installed: $(nvim --version | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo -n"
$SUDO apt-get install -y --no-install-recommends neovim || { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends neovim; } || exit 1
nvim --version | head -1
