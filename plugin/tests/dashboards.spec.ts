import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@grafana/plugin-e2e';

/** The dashboards the plugin ships (src/datasource/dashboards, the same JSON the compose stack provisions). */
const DASHBOARDS = ['overview', 'cost', 'vulnerabilities', 'cleanup'].map((file) => {
  const json = JSON.parse(readFileSync(join(__dirname, `../src/datasource/dashboards/${file}.json`), 'utf8')) as {
    uid: string;
    title: string;
    panels: Array<{ type: string; title?: string; panels?: Array<{ type: string; title?: string }> }>;
  };
  const panels = json.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== 'row' && p.title);
  return { uid: json.uid, title: json.title, titles: panels.map((p) => p.title as string) };
});

for (const dashboard of DASHBOARDS) {
  test(`${dashboard.title} opens on its default range and variables with no panel error`, async ({
    gotoDashboardPage,
  }) => {
    const page = await gotoDashboardPage({ uid: dashboard.uid });
    for (const title of dashboard.titles) {
      const panel = page.getPanelByTitle(title);
      await expect(panel.locator, title).toBeVisible();
      await expect(panel.getErrorIcon(), `${title} shows no error`).toHaveCount(0);
    }
  });
}
