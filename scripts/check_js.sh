#!/usr/bin/env bash
# The front end's checks (our own JS under cabinet/static and assistant/static):
#   ESLint (eslint.config.js), tsc from JSDoc types (tsconfig.json; the service worker with
#   tsconfig.sw.json) and the node --test unit tests in tests/js/.
# Needs the npm dev dependencies (npm ci). Every check runs; the script fails if any failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
failed=()

run() {
  local name="$1"
  shift
  echo "--- $name: $*"
  "$@" || failed+=("$name")
}

run eslint npx --no-install eslint --max-warnings 0
run tsc npx --no-install tsc -p tsconfig.json --noEmit
run tsc-sw npx --no-install tsc -p tsconfig.sw.json --noEmit
# The files are named, not the folder: node 20 and node 22+ read a folder argument differently.
run "node --test" node --test --test-reporter=spec tests/js/*.test.mjs

if ((${#failed[@]})); then
  echo "Front-end checks failed: ${failed[*]}" >&2
  exit 1
fi
echo "Front-end checks passed."
