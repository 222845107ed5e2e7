#!/usr/bin/env bash
# `npm test`: every check and test in the repository. Runs each step, then fails if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
failed=()
step() {
  local name=$1
  shift
  echo
  echo "=== ${name}: $*"
  # Each step's output is kept, so a failure can be repeated at the end: CI often shows only the tail.
  if "$@" 2>&1 | tee "$logs/$name.log"; then echo "=== ${name}: ok"; else echo "=== ${name}: FAILED"; failed+=("$name"); fi
}

# vitest 4's forks pool hung once at start-up here (a fork idle before collecting its file, where no test timeout
# fires). A run that outlasts the limit is stopped, forks included (timeout signals its whole process group), and
# run once more; a second hang fails the step. A run that dies otherwise (137 before the limit: killed, say by the
# kernel's OOM killer) is a failure, not a hang.
# Being a process group of its own, the run does not see a signal sent to the script's group (Ctrl-C, a closed
# terminal): the script passes it on, then raises it again so it stops as it would have. A SIGKILL cannot be passed
# on: the run then ends at its next write to the closed pipe, or at the limit.
VITEST_LIMIT_S=${VITEST_LIMIT_S:-1500}
vitest_run() {
  local rc pid started sig
  for attempt in 1 2; do
    started=$SECONDS
    timeout --kill-after=30 "$VITEST_LIMIT_S" npx vitest run "$@" &
    pid=$!
    for sig in INT TERM HUP QUIT; do
      # shellcheck disable=SC2064 # the pid and signal are meant to be fixed now
      trap "kill -$sig -- -$pid 2>/dev/null; trap - $sig; kill -$sig \$BASHPID" "$sig"
    done
    wait "$pid"
    rc=$?
    trap - INT TERM HUP QUIT
    if [ "$rc" -ne 124 ] && { [ "$rc" -ne 137 ] || [ $((SECONDS - started)) -lt "$VITEST_LIMIT_S" ]; }; then return "$rc"; fi
    echo "vitest run $* did not finish within ${VITEST_LIMIT_S} s (attempt ${attempt}): stopped as hung"
  done
  return "$rc"
}

step typecheck npx tsc -b
step lint npx eslint .
step sidecar vitest_run --project sidecar
step plugin-typecheck npm run typecheck -w plugin
step plugin-lint npm run lint -w plugin
step plugin-unit npm run test:ci -w plugin
step plugin-build npm run build -w plugin
step cross vitest_run --project cross

echo
if [ ${#failed[@]} -gt 0 ]; then
  for name in "${failed[@]}"; do
    echo "--- ${name} failed; its failing lines (first 60), then its last 40 lines:"
    # Colour codes removed so the markers match; vitest marks failures with FAIL and ×, tsc and eslint with error.
    sed 's/\x1b\[[0-9;]*m//g' "$logs/$name.log" | grep -E 'FAIL|×|✗|[Ee]rror|AssertionError|expected' | head -n 60
    echo "..."
    sed 's/\x1b\[[0-9;]*m//g' "$logs/$name.log" | tail -n 40
  done
  echo "failed steps: ${failed[*]}"
  exit 1
fi
echo "all test steps passed"
