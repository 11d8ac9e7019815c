#!/usr/bin/env bash
# The whole test suite: type check, unit tests, workflow tests on a real Temporal server,
# end-to-end tests of the CLI against the OpenAI twin. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p .
shopt -s nullglob
exec node --import tsx --test --test-reporter=spec --test-concurrency=1 test/unit/*.test.ts test/*.test.ts
