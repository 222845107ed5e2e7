import { expect, test } from '@grafana/plugin-e2e';

import { selectors as ui } from '../src/datasource/components/selectors';
import { PROVISIONED, sidecarResponse } from './support';

for (const [label, kind] of [
  ['Image pushes', 'push'],
  ['Cleanup candidates', 'cleanup'],
] as const) {
  test(`annotations for ${label.toLowerCase()} come from the sidecar`, async ({
    annotationEditPage,
    readProvisionedDataSource,
    selectors,
    page,
  }) => {
    const ds = await readProvisionedDataSource(PROVISIONED);
    await annotationEditPage.datasource.set(ds.name);
    await page
      .getByRole('radiogroup', { name: ui.AnnotationQueryEditor.kind })
      .locator('label', { hasText: label })
      .click();
    const response = sidecarResponse(page, `/api/v1/annotations`);
    await annotationEditPage.getByGrafanaSelector(selectors.components.Annotations.editor.testButton).click();
    const res = await response;
    expect(res.ok()).toBe(true);
    expect(new URL(res.url()).searchParams.get('kind')).toBe(kind);
  });
}
