#!/usr/bin/env bash
# The plugin's @grafana/plugin-e2e specs (plugin/tests) against a real Grafana: where a Docker engine is
# reachable, brings up the repository's docker-compose.yml (Grafana 12.4 with plugin/dist and the provisioned
# "ECR Lens" data source, the sidecar in demo mode, Prometheus) as its own compose project, waits until Grafana,
# the plugin, the data source and the sidecar's first inventory are ready, runs `npx playwright test` in plugin/
# with Debian's Chromium, then tears the stack down (volumes included).
#
# Exit status, so callers can tell "not run" from "passed":
#   0  every spec passed            1  a spec failed (or Playwright gave no report)
#   2  the stack or the browser could not be set up
#   3  not run: no Docker engine (`docker info` fails), nothing was started
#
# Environment (all optional):
#   SIDECAR_API_TOKEN      shared by Grafana's data source and the sidecar; a random one when unset
#   GRAFANA_PORT           host port of Grafana (compose default 3000); SIDECAR_PORT, PROMETHEUS_PORT,
#                          ECRLENS_SUBNET and GRAFANA_IP as in docker-compose.yml
#   E2E_GRAFANA_URL        where Playwright reaches Grafana (default http://localhost:$GRAFANA_PORT), e.g. when
#                          the engine is remote (DOCKER_HOST=tcp://docker:2375 -> http://docker:3000)
#   GRAFANA_ADMIN_USER/GRAFANA_ADMIN_PASSWORD   Grafana's admin (default admin/admin); plugin-e2e logs in with them
#   CHROMIUM_PATH          the browser (default /usr/bin/chromium); Playwright never downloads one here
#   E2E_COMPOSE_PROJECT    compose project name (default ecrlens-e2e), separate from a `docker compose up` stack
#   E2E_SKIP_BUILD=1       use plugin/dist as built (`npm test` builds it) instead of `npm run build -w plugin`
#   E2E_KEEP_STACK=1       leave the stack running afterwards (tear down: docker compose -p <project> down -v)
#   E2E_READY_TIMEOUT      seconds to wait for the stack to be ready (default 420)
# Extra arguments go to `playwright test`, e.g. scripts/e2e-grafana.sh tests/configEditor.spec.ts
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD

say() { echo "plugin-e2e: $*"; }

# 1. A Docker engine, or a plain "not run".
if ! command -v docker >/dev/null 2>&1; then
  say "not run: no Docker engine (no docker command on PATH)"
  exit 3
fi
if ! docker_error=$(docker info 2>&1 >/dev/null); then
  say "not run: no Docker engine (\`docker info\` failed: $(printf '%s\n' "$docker_error" | grep -m1 -v '^[[:space:]]*$'))"
  exit 3
fi
# From here on a Docker engine exists, so anything missing is a failure, not a "not run".
if ! docker compose version >/dev/null 2>&1; then
  say "FAILED: a Docker engine is reachable but the Compose plugin is not (\`docker compose version\` fails)"
  exit 2
fi

# 2. The browser the environment provides (Debian's chromium); playwright.config.ts reads CHROMIUM_PATH.
export CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  say "FAILED: no browser at $CHROMIUM_PATH (apt-get install chromium, or set CHROMIUM_PATH)"
  exit 2
fi

# 3. The plugin Grafana loads (docker-compose.yml mounts plugin/dist: the app, with the data source nested).
if [ "${E2E_SKIP_BUILD:-}" != 1 ]; then
  say "building the plugin (npm run build -w plugin)"
  npm run build -w plugin >/dev/null || {
    say "FAILED: npm run build -w plugin"
    exit 2
  }
fi
if [ ! -f plugin/dist/plugin.json ] || [ ! -f plugin/dist/module.js ]; then
  say "FAILED: plugin/dist has no plugin.json/module.js; run npm run build -w plugin"
  exit 2
fi

# 4. The stack: the compose file provisions the data source (provisioning/datasources/datasources.yaml) with
# sidecarUrl http://sidecar:8080 and apiToken $SIDECAR_API_TOKEN; DEMO=true keeps the sidecar on its embedded
# emulator even where AWS credentials are in the environment.
if [ -z "${SIDECAR_API_TOKEN:-}" ]; then
  SIDECAR_API_TOKEN=$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))")
fi
export SIDECAR_API_TOKEN
if [ -z "${SIDECAR_ADMIN_TOKEN:-}" ]; then
  # The app's execute route carries it (provisioning/plugins/apps.yaml); the specs execute dry runs only.
  SIDECAR_ADMIN_TOKEN=$(node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('hex'))")
fi
# Executions are enabled against the demo emulator only; the specs execute dry runs.
export DEMO=true SIDECAR_ADMIN_TOKEN CLEANUP_DELETE_ENABLED=true
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE ECR_REGISTRY_ID
export GRAFANA_ADMIN_USER="${GRAFANA_ADMIN_USER:-admin}" GRAFANA_ADMIN_PASSWORD="${GRAFANA_ADMIN_PASSWORD:-admin}"
export GRAFANA_PORT="${GRAFANA_PORT:-3000}"
# playwright.config.ts: baseURL; tests/support.ts: how Grafana (inside the compose network) reaches the sidecar.
export GRAFANA_URL="${E2E_GRAFANA_URL:-http://localhost:${GRAFANA_PORT}}"
export SIDECAR_URL_FROM_GRAFANA=http://sidecar:8080

project="${E2E_COMPOSE_PROJECT:-ecrlens-e2e}"
compose() { docker compose -p "$project" -f "$root/docker-compose.yml" "$@"; }

show_logs() {
  say "stack state and recent logs:"
  compose ps -a || true
  compose logs --no-color --tail 80 || true
}
# shellcheck disable=SC2317  # run by the EXIT trap
teardown() {
  if [ "${E2E_KEEP_STACK:-}" = 1 ]; then
    say "stack left running (E2E_KEEP_STACK=1): docker compose -p $project down -v"
  else
    compose down -v --remove-orphans >/dev/null 2>&1 || say "warning: docker compose -p $project down -v failed"
  fi
}
trap teardown EXIT
trap 'exit 130' INT TERM

say "starting Grafana, the sidecar (demo mode) and Prometheus as compose project $project"
# A stack left over from an interrupted run would hold the ports and the old volumes.
compose down -v --remove-orphans >/dev/null 2>&1 || true
if ! compose up -d --build; then
  show_logs
  say "FAILED: docker compose up"
  exit 2
fi

# 5. Ready: Grafana's /api/health, the plugin loaded, the provisioned data source, and the sidecar's first
# inventory through Grafana's data source proxy (the specs query it; "Save & test" expects a finished refresh).
say "waiting for $GRAFANA_URL/api/health, the plugin, the data source and the sidecar's inventory"
if ! node - "${E2E_READY_TIMEOUT:-420}" <<'EOF'; then
const deadline = Date.now() + Number(process.argv[2]) * 1000;
const base = process.env.GRAFANA_URL.replace(/\/+$/, '');
const auth = 'Basic ' + Buffer.from(`${process.env.GRAFANA_ADMIN_USER}:${process.env.GRAFANA_ADMIN_PASSWORD}`).toString('base64');
const steps = [
  ['Grafana /api/health', '/api/health', false, (b) => b.database === 'ok'],
  ['app ecrlens-ecr-app loaded and enabled', '/api/plugins/ecrlens-ecr-app/settings', true, (b) => b.id === 'ecrlens-ecr-app' && b.enabled === true],
  ['nested data source ecrlens-ecr-datasource loaded', '/api/plugins/ecrlens-ecr-datasource/settings', true, (b) => b.id === 'ecrlens-ecr-datasource'],
  ['data source "ECR Lens" provisioned', '/api/datasources/uid/ecr-lens', true, (b) => b.type === 'ecrlens-ecr-datasource'],
  ['sidecar inventory ready (via the data source proxy)', '/api/datasources/proxy/uid/ecr-lens/sidecar/api/v1/status', true, (b) => b.ready === true],
];
(async () => {
  for (const [what, path, withAuth, ok] of steps) {
    let last = 'no answer yet';
    for (;;) {
      try {
        const res = await fetch(base + path, { headers: withAuth ? { authorization: auth } : {}, signal: AbortSignal.timeout(5000) });
        const text = await res.text();
        let body;
        try { body = JSON.parse(text); } catch { body = undefined; }
        if (res.ok && body !== undefined && ok(body)) { console.log(`plugin-e2e: ready: ${what}`); break; }
        last = `HTTP ${res.status}: ${text.slice(0, 200)}`;
      } catch (err) {
        last = String(err && err.cause ? err.cause : err);
      }
      if (Date.now() > deadline) { console.error(`plugin-e2e: timed out waiting for ${what} (${last})`); process.exit(1); }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
})();
EOF
  show_logs
  say "FAILED: the stack did not become ready"
  exit 2
fi

# 6. The specs. The JSON report (next to the HTML one) is what the summary line counts.
results=$(mktemp "${TMPDIR:-/tmp}/ecrlens-e2e-results.XXXXXX.json")
say "running npx playwright test in plugin/ against $GRAFANA_URL with $CHROMIUM_PATH"
(cd plugin && CI="${CI:-1}" E2E_RESULTS_JSON="$results" npx playwright test "$@")
pw_status=$?

summary=$(node - "$results" <<'EOF'
const fs = require('node:fs');
let report;
try { report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')); } catch { process.exit(1); }
const count = { passed: 0, failed: 0, flaky: 0, skipped: 0 };
let setupFailed = 0;
const walk = (suite) => {
  for (const spec of suite.specs ?? []) {
    for (const t of spec.tests ?? []) {
      if (t.projectName === 'auth' || t.projectName === 'viewer-auth') { // plugin-e2e's login setups, not specs
        if (t.status === 'unexpected') setupFailed++;
        continue;
      }
      const k = { expected: 'passed', unexpected: 'failed', flaky: 'flaky', skipped: 'skipped' }[t.status] ?? 'failed';
      count[k]++;
    }
  }
  (suite.suites ?? []).forEach(walk);
};
(report.suites ?? []).forEach(walk);
const ran = count.passed + count.failed + count.flaky;
console.log(`${ran} ${count.passed} ${count.failed} ${count.flaky} ${count.skipped} ${setupFailed}`);
EOF
)
rm -f "$results"
if [ -z "$summary" ]; then
  show_logs
  say "FAILED: playwright exited $pw_status without a report"
  exit 1
fi
read -r ran passed failed flaky skipped setup_failed <<<"$summary"
say "ran $ran specs: $passed passed, $failed failed, $flaky flaky, $skipped skipped (report: plugin/playwright-report)"
if [ "$setup_failed" -ne 0 ]; then
  say "the login to Grafana as $GRAFANA_ADMIN_USER (plugin-e2e's auth setup) failed, so the specs did not run"
fi
if [ "$pw_status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$setup_failed" -ne 0 ]; then
  show_logs
  say "FAILED"
  exit 1
fi
if [ "$ran" -eq 0 ]; then
  say "FAILED: no spec ran"
  exit 1
fi
exit 0
