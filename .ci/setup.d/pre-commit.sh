#!/usr/bin/env bash
# The real pre-commit framework for test/pre-commit.test.ts (Debian's package: pre-commit 3.x;
# PyPI, which has 4.x, is not reachable from CI). Idempotent; a failure only makes that test skip.
set -u
command -v pre-commit >/dev/null 2>&1 && { pre-commit --version; exit 0; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
apt-get install -y -qq pre-commit >/dev/null 2>&1 || { echo "could not install pre-commit with apt-get"; exit 1; }
pre-commit --version
