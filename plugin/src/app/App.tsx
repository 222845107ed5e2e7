import React, { useEffect, useMemo, useState } from 'react';
import { config, locationService, PluginPage } from '@grafana/runtime';
import { Alert } from '@grafana/ui';

import { AppClient } from './client';
import { PlanPage } from './pages/PlanPage';
import { RunsPage } from './pages/RunsPage';
import { SourcesPage } from './pages/SourcesPage';
import { APP_BASE, APP_PAGES, mayExecute, type AppProps } from './settings';

export type PageId = keyof typeof APP_PAGES;
const PAGES = Object.keys(APP_PAGES) as PageId[];

/** The page a location shows: `/a/<app>/<page>`, the plan by default. */
export function pageOf(pathname: string): PageId {
  const rest = pathname.startsWith(APP_BASE) ? pathname.slice(APP_BASE.length) : '';
  const first = rest.split('/').filter(Boolean)[0];
  return (PAGES as readonly string[]).includes(first ?? '') ? (first as PageId) : 'plan';
}

function usePathname(): string {
  const [pathname, setPathname] = useState(() => locationService.getLocation().pathname);
  useEffect(
    () => locationService.getHistory().listen((location: { pathname: string }) => setPathname(location.pathname)),
    []
  );
  return pathname;
}

/** The app's root: Grafana renders it under /a/ecrlens-ecr-app/ and the nav (plugin.json includes) picks the page. */
export function App({ meta }: AppProps) {
  const page = pageOf(usePathname());
  const client = useMemo(() => new AppClient(meta.jsonData), [meta.jsonData]);
  const canExecute = mayExecute(config.bootData.user, meta.jsonData);

  if (!meta.jsonData?.sidecarUrl) {
    return (
      <PluginPage>
        <Alert severity="warning" title="ECR Lens is not set up">
          An administrator sets the sidecar URL and its tokens on the app&apos;s configuration page.
        </Alert>
      </PluginPage>
    );
  }
  return (
    <PluginPage>
      {page === 'plan' && <PlanPage client={client} canExecute={canExecute} />}
      {page === 'runs' && <RunsPage client={client} />}
      {page === 'sources' && <SourcesPage client={client} />}
    </PluginPage>
  );
}
