/**
 * Grafana's annotation list panel (a core panel, not in @grafana/ui): the annotations Grafana stores, read from its
 * HTTP API with the panel's options (tags, limit), newest first, each with its time, text, user and tags, drawn
 * with @grafana/ui's parts.
 */
import { dateTimeFormat } from '@grafana/data';
import { TagList } from '@grafana/ui';
import { createElement as h } from 'react';

import type { DashboardPanelSpec } from './dashboard-api.js';
import { theme, type Drawn } from './visualisations.js';

export interface GrafanaAnnotation {
  id: number;
  time: number;
  text: string;
  tags: string[];
  login: string;
}

/** The panel's annotations, as it queries Grafana's /api/annotations. */
export async function listAnnotations(
  panel: DashboardPanelSpec,
): Promise<{ items: GrafanaAnnotation[]; errors: string[] }> {
  const params = new URLSearchParams({ type: 'annotation', limit: String(panel.options.limit ?? 10) });
  for (const tag of (panel.options.tags ?? []) as string[]) {
    params.append('tags', tag);
  }
  const res = await fetch(`/api/annotations?${params}`);
  if (!res.ok) {
    return { items: [], errors: [`annotations: HTTP ${res.status}`] };
  }
  return { items: (await res.json()) as GrafanaAnnotation[], errors: [] };
}

export function annotationList(panel: DashboardPanelSpec, items: GrafanaAnnotation[], height: number): Drawn {
  if (items.length === 0) {
    return {
      node: h('div', { style: { padding: 8, color: theme.colors.text.secondary } }, 'No annotations found'),
      shown: [],
    };
  }
  const node = h(
    'div',
    { style: { height, overflow: 'auto', display: 'flex', flexDirection: 'column', gap: 4 } },
    ...items.map((a) =>
      h(
        'div',
        {
          key: a.id,
          style: {
            display: 'flex',
            alignItems: 'center',
            gap: 8,
            padding: '4px 8px',
            background: theme.colors.background.secondary,
            borderRadius: theme.shape.radius.default,
            fontSize: theme.typography.bodySmall.fontSize,
          },
        },
        panel.options.showUser === false ? null : h('span', { style: { color: theme.colors.text.secondary } }, a.login),
        h('span', { style: { flex: '1 1 0', minWidth: 0, color: theme.colors.text.primary } }, a.text),
        panel.options.showTags === false ? null : h('div', { style: { flex: '0 0 auto' } }, h(TagList, { tags: a.tags })),
        panel.options.showTime === false
          ? null
          : h('span', { style: { color: theme.colors.text.secondary } }, dateTimeFormat(a.time, { timeZone: 'utc' })),
      ),
    ),
  );
  return { node, shown: [items[0]!.text.slice(0, 40)] };
}
