#!/usr/bin/env bash
# SARIF Multitool (Microsoft's SARIF SDK validator, with GitHub's upload rules GH10xx) for
# test/sarif-official.test.ts. Installed outside the project (it is 100 MB and Linux only), into
# the directory the test looks in (SARIF_MULTITOOL_DIR overrides). Idempotent.
set -u
dir="${SARIF_MULTITOOL_DIR:-$HOME/.cache/dockerfix-ci/sarif-multitool}"
bin="$dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "sarif-multitool: already installed in $dir"
  exit 0
fi
mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{"private":true}' > "$dir/package.json"
npm install --prefix "$dir" --no-audit --no-fund --no-save @microsoft/sarif-multitool-linux@5.7.0 || exit 1
chmod u+x "$bin"
"$bin" --version
