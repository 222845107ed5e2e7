#!/usr/bin/env bash
# `npm test`: every check and test in the repository. Runs each step, then fails if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

failed=()
step() {
  local name=$1
  shift
  echo
  echo "=== ${name}: $*"
  if "$@"; then echo "=== ${name}: ok"; else echo "=== ${name}: FAILED"; failed+=("$name"); fi
}

step typecheck npx tsc -b
step lint npx eslint .
step sidecar npx vitest run --project sidecar
step plugin-typecheck npm run typecheck -w plugin
step plugin-lint npm run lint -w plugin
step plugin-unit npm run test:ci -w plugin
step plugin-build npm run build -w plugin
step cross npx vitest run --project cross

echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
