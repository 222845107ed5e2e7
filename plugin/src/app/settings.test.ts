import { pageOf } from './App';
import { settingsBody } from './AppConfig';
import { annotationHref } from './pages/RunsPage';
import { executeRoleOf, mayExecute, writeRoute } from './settings';

describe('who may execute', () => {
  it('is Admins unless the app opened the Editor routes', () => {
    expect(executeRoleOf(undefined)).toBe('Admin');
    expect(executeRoleOf({ executeRole: 'Editor' })).toBe('Admin'); // no editorSidecarUrl: the routes lead nowhere
    // editorSidecarUrl opens the Editor routes whatever executeRole says: the page says what the routes do.
    expect(executeRoleOf({ executeRole: 'Admin', editorSidecarUrl: 'http://sidecar:8080' })).toBe('Editor');
    expect(executeRoleOf({ executeRole: 'Editor', editorSidecarUrl: 'http://sidecar:8080' })).toBe('Editor');
  });

  it("follows Grafana's role order, and sends writes on the route the proxy guards with that role", () => {
    const editors = { executeRole: 'Editor' as const, editorSidecarUrl: 'http://sidecar:8080' };
    expect(['Viewer', 'Editor', 'Admin', undefined].map((orgRole) => mayExecute({ orgRole }, {}))).toEqual([
      false,
      false,
      true,
      false,
    ]);
    expect(['Viewer', 'Editor', 'Admin'].map((orgRole) => mayExecute({ orgRole }, editors))).toEqual([
      false,
      true,
      true,
    ]);
    // A Grafana server admin passes every reqRole, as Grafana's SignedInUser.HasRole says.
    expect(mayExecute({ orgRole: 'Viewer', isGrafanaAdmin: true }, {})).toBe(true);
    expect(mayExecute(undefined, {})).toBe(false);
    expect(writeRoute({})).toBe('sidecar');
    expect(writeRoute(editors)).toBe('editor');
  });

  it('saves the Editor URL only while Editors may execute, and only the secrets typed', () => {
    expect(
      settingsBody(true, false, { sidecarUrl: ' http://s:8080 ', executeRole: 'Editor' }, { adminToken: 'x' })
    ).toEqual({
      enabled: true,
      pinned: false,
      jsonData: { sidecarUrl: 'http://s:8080', executeRole: 'Editor', editorSidecarUrl: 'http://s:8080' },
      secureJsonData: { adminToken: 'x' },
    });
    expect(
      settingsBody(
        true,
        true,
        { sidecarUrl: 'http://s:8080', executeRole: 'Admin', editorSidecarUrl: 'http://s:8080' },
        {}
      ).jsonData
    ).toEqual({
      sidecarUrl: 'http://s:8080',
      executeRole: 'Admin',
      editorSidecarUrl: '',
    });
  });
});

describe('app routing and links', () => {
  it('picks the page from the path, the plan by default', () => {
    expect(pageOf('/a/ecrlens-ecr-app/runs')).toBe('runs');
    expect(pageOf('/a/ecrlens-ecr-app/sources/x')).toBe('sources');
    expect(pageOf('/a/ecrlens-ecr-app')).toBe('plan');
    expect(pageOf('/a/ecrlens-ecr-app/nope')).toBe('plan');
  });

  it('links a run to the Cleanup dashboard around its time, where its annotation is', () => {
    const run = { startedAt: '2026-12-05T10:00:00.000Z', finishedAt: '2026-12-05T10:05:00.000Z' };
    const start = Date.parse(run.startedAt);
    expect(annotationHref(run as Parameters<typeof annotationHref>[0])).toBe(
      `/d/ecr-lens-cleanup?from=${start - 1_800_000}&to=${start + 300_000 + 1_800_000}`
    );
  });
});
