import { startDemoSidecar } from '../../sidecar/src/app/demo-sidecar.js';

// The sidecar requires 8+ characters.
export const SIDECAR_TOKEN = 'browser-test-token';

/** The sidecar the browser test queries: the demo sidecar (embedded emulator, synthetic registries). */
export async function startSidecarForBrowser(): Promise<{ url: string; close(): Promise<void> }> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return startDemoSidecar({ env: { SIDECAR_API_TOKEN: SIDECAR_TOKEN } });
}
