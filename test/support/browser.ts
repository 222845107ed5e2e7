import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile that is removed on close. */
export async function launchChromium(viewport = { width: 1440, height: 1000 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'ecr-lens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      errors.push(`console: ${msg.text()}`);
    }
  });
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until the host page has set every global in `globals` (e.g. `harness`), or reported `harnessError`;
 * throws with the page's errors when it failed or timed out.
 */
export async function waitForHarness(browser: Browser, globals: readonly string[]): Promise<void> {
  const booted = await browser.page
    .waitForFunction((names) => {
      const w = window as unknown as Record<string, unknown>;
      return names.every((name) => w[name] !== undefined) || w.harnessError !== undefined;
    }, globals)
    .then(
      () => true,
      () => false,
    );
  const bootError = await browser.page.evaluate(() => (window as unknown as { harnessError?: string }).harnessError);
  if (!booted || bootError) {
    throw new Error(
      `the host page could not load the plugin: ${bootError ?? 'timed out'}\n${browser.errors.join('\n')}`,
    );
  }
}
