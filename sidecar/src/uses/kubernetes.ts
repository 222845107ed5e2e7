/**
 * Pods on Kubernetes/EKS, read through Prometheus from kube-state-metrics' kube_pod_container_info and
 * kube_pod_init_container_info (init containers and native sidecars pull images too). Labels, per
 * kube-state-metrics: `image_spec` is the pod spec's image as written (since v2.3), `image` the one the
 * runtime reports, `image_id` the runtime's image id: `<repo>@sha256:…` (containerd, CRI-O),
 * `docker-pullable://<repo>@sha256:…` (Docker), or a bare `sha256:…` / `docker://sha256:…` (a local
 * image id, the config digest, which names no ECR manifest). A `cluster` label comes from relabelling.
 *
 * The window alone cannot tell "no pods" from "not scraped": a cluster whose kube-state-metrics stopped being
 * scraped keeps its pods in the window for a while, then they vanish and their images look unused. So each
 * read also asks which clusters are scraped now, and can require a list of clusters to be present.
 */
import { z } from 'zod';
import { envDecimal } from '../env-number.js';
import type { ImageUse, Incomplete } from '../snapshot/model.js';
import { useIdentity } from '../snapshot/model.js';
import { parseEcrReference } from '../snapshot/reference.js';
import { redactUrl } from '../secrets.js';
import { TooLargeError, errorText, isHttpUrl, readCapped, splitCredentials } from './keep-list.js';
import type { GlobalUseSource, SourceRead } from './source.js';

export const KUBERNETES_MAX_BYTES = 64 * 1024 * 1024;

export interface KubernetesSourceOptions {
  /** Prometheus base URL (a path prefix is kept); user:password in it is sent as Basic auth. */
  readonly url: string;
  /** Sent as `Authorization: Bearer`; wins over credentials in the URL. */
  readonly bearerToken?: string;
  readonly lookbackHours: number;
  readonly timeoutMs: number;
  /** Largest response body accepted, per query (default KUBERNETES_MAX_BYTES, 64 MiB). */
  readonly maxBytes?: number;
  /** Values of the `cluster` label that must have series in the window (KUBERNETES_PROMETHEUS_CLUSTERS). */
  readonly clusters?: readonly string[];
}

const LABELS = 'cluster, namespace, pod, container, image_spec, image, image_id';

/**
 * Every container series with a sample anywhere in the window, so a pod deleted since still counts (range
 * functions skip the staleness marker written when a series disappears). max_over_time rather than
 * last_over_time or present_over_time: the value is ignored, and it works on every PromQL engine and version.
 * `max by` drops per-restart and per-replica labels (container_id, uid, instance), which multiply series.
 */
export const kubernetesQuery = (lookbackHours: number): string =>
  ['kube_pod_container_info', 'kube_pod_init_container_info']
    .map((metric) => `max by (${LABELS}) (max_over_time(${metric}[${lookbackHours}h]))`)
    .join(' or ');

/**
 * The clusters with a container series at this instant. `or` with the init containers keeps it symmetric
 * with the window query; `count by` answers one small series per cluster ({} when there is no such label).
 */
export const KUBERNETES_NOW_QUERY =
  'count by (cluster) (kube_pod_container_info) or count by (cluster) (kube_pod_init_container_info)';

const OPERATION = 'query kube_pod_container_info';
const OPERATION_NOW = 'query kube_pod_container_info now';
const OPERATION_CLUSTERS = 'check KUBERNETES_PROMETHEUS_CLUSTERS';

const Answer = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({
      resultType: z.literal('vector'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()) })),
    }),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string().optional(), error: z.string().optional() }),
]);
type Labels = Readonly<Record<string, string>>;

const SHA256 = /^sha256:[a-f0-9]{64}$/;

/** The manifest digest and repository an image_id names, when it names a repository (see the header). */
function parseImageId(imageId: string): { digest?: string; reference?: string } {
  const scheme = imageId.indexOf('://');
  const id = scheme >= 0 ? imageId.slice(scheme + 3) : imageId;
  const at = id.lastIndexOf('@');
  if (at <= 0) return {};
  const digest = id.slice(at + 1);
  return SHA256.test(digest) ? { digest, reference: id } : {};
}

/** The uses one series shows: one per distinct ECR reference among image_spec and image, else image_id's. */
export function usesOfSeries(labels: Labels): ImageUse[] {
  const id = parseImageId(labels.image_id ?? '');
  const ecr = (reference: string | undefined) => {
    const ref = reference ? parseEcrReference(reference) : undefined;
    return reference && ref ? [{ reference, ref }] : [];
  };
  const written = [...new Set([labels.image_spec, labels.image])].flatMap(ecr);
  return (written.length ? written : ecr(id.reference)).map(({ reference, ref }) => {
    const digest = id.digest ?? ref.digest;
    return {
      kind: 'pod',
      accountId: ref.accountId,
      region: ref.region,
      ...(labels.cluster ? { cluster: labels.cluster } : {}),
      ...(labels.namespace ? { namespace: labels.namespace } : {}),
      ...(labels.pod ? { pod: labels.pod } : {}),
      ...(labels.container ? { container: labels.container } : {}),
      reference,
      ...(digest ? { digest } : {}),
    };
  });
}

/** Uses of every series, deduplicated (a container restarted on another digest keeps both) and sorted. */
export function usesOfAnswer(series: readonly Labels[]): ImageUse[] {
  const uses = new Map<string, ImageUse>();
  for (const labels of series) {
    for (const use of usesOfSeries(labels)) uses.set(`${useIdentity(use)}|${use.digest ?? ''}`, use);
  }
  return [...uses.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, use]) => use);
}

type Answer = z.infer<typeof Answer>;

/** The series of an answer; throws with Prometheus' own error, else the HTTP status, else what is malformed. */
function seriesOf(status: number, text: string): Labels[] {
  const answer = parseAnswer(text);
  if (typeof answer === 'string') throw new Error(status >= 200 && status < 300 ? answer : `HTTP ${status}`);
  if (answer.status === 'error')
    throw new Error(`HTTP ${status}: ${answer.errorType ?? 'error'}: ${answer.error ?? ''}`);
  if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
  // Thanos and Cortex-style backends answer with warnings when some data could not be read: fail closed.
  if (answer.warnings?.length) throw new Error(`partial answer: ${answer.warnings.slice(0, 3).join('; ')}`);
  return answer.data.result.map((r) => r.metric);
}

/** The validated answer, or what is wrong with it. */
function parseAnswer(text: string): Answer | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not a Prometheus API answer (not JSON)';
  }
  const answer = Answer.safeParse(json);
  if (answer.success) return answer.data;
  const issue = answer.error.issues[0];
  return `not a Prometheus API answer: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`;
}

/** The query endpoint under the base URL's path, trailing slashes trimmed without a regex. */
function queryUrl(base: URL): URL {
  const url = new URL(base);
  let path = url.pathname;
  while (path.endsWith('/')) path = path.slice(0, -1);
  url.pathname = `${path}/api/v1/query`;
  return url;
}

async function query(options: KubernetesSourceOptions, expr: string, signal: AbortSignal): Promise<Labels[]> {
  const { url, authorization } = splitCredentials(options.url);
  const headers: Record<string, string> = { accept: 'application/json' };
  const auth = options.bearerToken ? `Bearer ${options.bearerToken}` : authorization;
  if (auth) headers.authorization = auth;
  // partial_response=false makes Thanos fail instead of answering without some stores; Prometheus ignores it.
  const body = new URLSearchParams({ query: expr, partial_response: 'false' });
  const response = await fetch(queryUrl(url), { method: 'POST', headers, body, signal });
  const maxBytes = options.maxBytes ?? KUBERNETES_MAX_BYTES;
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) {
    await response.body?.cancel();
    throw new TooLargeError(maxBytes);
  }
  const text = response.body ? (await readCapped(response.body, maxBytes)).toString('utf8') : '';
  return seriesOf(response.status, text);
}

/** The `cluster` label values of some series, '' standing for series without one. */
const clustersOf = (series: readonly Labels[]): Set<string> => new Set(series.map((s) => s.cluster ?? ''));

/** `cluster "a"` or `clusters "a", "b"`, at most 10 named: the message stays short with many clusters. */
function naming(clusters: readonly string[]): string {
  const named = clusters.slice(0, 10).map((c) => (c ? JSON.stringify(c) : '(no cluster label)'));
  const more = clusters.length > 10 ? ` and ${clusters.length - 10} more` : '';
  return `${clusters.length === 1 ? 'cluster' : 'clusters'} ${named.join(', ')}${more}`;
}

/** Listed clusters without a series in the window: not scraped, or no cluster label, or a typo in the list. */
function missingClusters(options: KubernetesSourceOptions, seen: ReadonlySet<string>): Error | undefined {
  const missing = (options.clusters ?? []).filter((c) => !seen.has(c));
  if (!missing.length) return undefined;
  return new Error(
    `${naming(missing)} listed in KUBERNETES_PROMETHEUS_CLUSTERS: no kube_pod_container_info series in the last ` +
      `${options.lookbackHours}h; check that kube-state-metrics runs there, that Prometheus scrapes it and that ` +
      'relabelling sets this cluster label',
  );
}

/**
 * Clusters in the window but absent now. Every cluster runs pods (kube-system at least), so absent now almost
 * always means kube-state-metrics is no longer scraped; its pods would fall out of the window unseen.
 */
function vanishedClusters(
  options: KubernetesSourceOptions,
  seen: ReadonlySet<string>,
  now: Labels[],
): Error | undefined {
  const scraped = clustersOf(now);
  const gone = [...seen].filter((c) => !scraped.has(c)).sort();
  if (!gone.length) return undefined;
  // Without a cluster label the whole source is one cluster: name the metric, not a cluster.
  const what = gone.length === 1 && gone[0] === '' ? 'kube_pod_container_info' : naming(gone);
  return new Error(
    `${what}: series in the last ${options.lookbackHours}h but none now; check that kube-state-metrics is up and ` +
      'scraped (its Prometheus target, its cluster label). A cluster that really runs no pods, or was removed, ' +
      'stops being reported once its last pod is older than the lookback window',
  );
}

/** Reads pods from Prometheus on each read(); never throws: a failure is an Incomplete entry. */
export function createKubernetesSource(options: KubernetesSourceOptions): GlobalUseSource {
  const target = redactUrl(options.url, 'drop');
  // An invalid URL fails in read(), as an Incomplete entry: sources never throw.
  const inUrl = URL.canParse(options.url) ? splitCredentials(options.url).secrets : [];
  const secrets = [...inUrl, ...(options.bearerToken ? [options.bearerToken] : [])];
  const entry = (operation: string, error: unknown): Incomplete => ({
    scope: 'kubernetes',
    accountId: '',
    region: '',
    target,
    operation,
    error: errorText(error, options.timeoutMs, secrets),
  });
  return {
    source: 'kubernetes',
    description: `Prometheus ${target} (kube_pod_container_info, last ${options.lookbackHours}h)`,
    async read(): Promise<SourceRead> {
      // One deadline for both queries, asked together.
      const signal = AbortSignal.timeout(options.timeoutMs);
      const [window, now] = await Promise.allSettled([
        query(options, kubernetesQuery(options.lookbackHours), signal),
        query(options, KUBERNETES_NOW_QUERY, signal),
      ]);
      if (window.status === 'rejected') return { uses: [], incomplete: [entry(OPERATION, window.reason)] };
      const series = window.value;
      // Every cluster runs pods (kube-system at least): no series means kube-state-metrics is not scraped
      // there, or the metric is dropped. Reading that as "nothing runs" would let plans delete.
      if (!series.length) {
        const error = new Error(`no kube_pod_container_info series in the last ${options.lookbackHours}h`);
        return { uses: [], incomplete: [entry(OPERATION, error)] };
      }
      // The uses read are kept whatever else fails: the entries below block plans anyway.
      const seen = clustersOf(series);
      const missing = missingClusters(options, seen);
      const vanished = now.status === 'rejected' ? now.reason : vanishedClusters(options, seen, now.value);
      const incomplete = [
        ...(missing ? [entry(OPERATION_CLUSTERS, missing)] : []),
        ...(vanished ? [entry(OPERATION_NOW, vanished)] : []),
      ];
      return { uses: usesOfAnswer(series), incomplete };
    },
  };
}

// ---- Settings ----

const KubernetesEnv = z.object({
  KUBERNETES_PROMETHEUS_URL: z.string().refine((url) => isHttpUrl(url) && URL.canParse(url)),
  KUBERNETES_PROMETHEUS_TOKEN: z.string().min(1).max(16_384).optional(),
  KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: envDecimal().pipe(z.number().int().min(1).max(2160)).default(24),
  KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: envDecimal().pipe(z.number().int().min(1).max(600)).default(30),
  KUBERNETES_PROMETHEUS_CLUSTERS: z
    .string()
    .transform((list) => list.split(',').map((c) => c.trim()))
    .pipe(z.array(z.string().min(1).max(256)).min(1).max(1000))
    .optional(),
});
type KubernetesEnvKey = keyof z.input<typeof KubernetesEnv>;
// Fixed messages: they say what is expected and never echo a value (the URL may hold a password).
const MESSAGES: Readonly<Record<KubernetesEnvKey, string>> = {
  KUBERNETES_PROMETHEUS_URL: 'must be an http(s) URL, e.g. http://prometheus:9090',
  KUBERNETES_PROMETHEUS_TOKEN: 'must be 1-16384 characters',
  KUBERNETES_PROMETHEUS_LOOKBACK_HOURS: 'must be an integer 1-2160',
  KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS: 'must be an integer 1-600',
  KUBERNETES_PROMETHEUS_CLUSTERS:
    'must be 1-1000 comma-separated cluster label values, none empty, each 1-256 characters',
};

/** The Kubernetes source's options, or undefined when KUBERNETES_PROMETHEUS_URL is unset or empty. */
export function kubernetesSourceFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): KubernetesSourceOptions | undefined {
  const picked: Partial<Record<KubernetesEnvKey, string>> = {};
  for (const key of Object.keys(MESSAGES) as KubernetesEnvKey[]) {
    const value = env[key]?.trim();
    if (value) picked[key] = value;
  }
  if (!picked.KUBERNETES_PROMETHEUS_URL) return undefined;
  const parsed = KubernetesEnv.safeParse(picked);
  if (!parsed.success) {
    const key = String(parsed.error.issues[0]!.path[0]) as KubernetesEnvKey;
    throw new Error(`${key}: ${MESSAGES[key]}`);
  }
  const {
    KUBERNETES_PROMETHEUS_URL: url,
    KUBERNETES_PROMETHEUS_TOKEN: token,
    KUBERNETES_PROMETHEUS_CLUSTERS: clusters,
  } = parsed.data;
  // One Authorization header: a token and a password would leave one silently unused.
  if (token && splitCredentials(url).authorization)
    throw new Error('KUBERNETES_PROMETHEUS_TOKEN: cannot be combined with user:password in KUBERNETES_PROMETHEUS_URL');
  return {
    url,
    ...(token ? { bearerToken: token } : {}),
    lookbackHours: parsed.data.KUBERNETES_PROMETHEUS_LOOKBACK_HOURS,
    timeoutMs: parsed.data.KUBERNETES_PROMETHEUS_TIMEOUT_SECONDS * 1000,
    ...(clusters ? { clusters: [...new Set(clusters)] } : {}),
  };
}
