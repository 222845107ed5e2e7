/** Posts a Grafana annotation summarising a cleanup run. Best effort: a failure is returned, never thrown. */

export interface GrafanaTarget {
  readonly url: string;
  readonly token: string;
}

export interface GrafanaAnnotation {
  readonly time: number;
  readonly text: string;
  readonly tags: readonly string[];
}

export type GrafanaPoster = (target: GrafanaTarget, annotation: GrafanaAnnotation) => Promise<{ ok: true } | { ok: false; error: string }>;

export const GRAFANA_TAGS = ['ecr-lens', 'cleanup'] as const;

export const postGrafanaAnnotation: GrafanaPoster = async (target, annotation) => {
  try {
    const response = await fetch(`${target.url.replace(/\/+$/, '')}/api/annotations`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${target.token}` },
      body: JSON.stringify(annotation),
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) return { ok: false, error: `Grafana answered HTTP ${response.status}` };
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
};
