import type { PriceTable } from '../cost/pricing.js';
import { DEFAULT_PRICES } from '../cost/pricing.js';
import type { Inventory } from '../snapshot/inventory.js';
import type { Snapshot } from '../snapshot/model.js';
import type { MetricsConfig } from './config.js';
import { LiveMetrics } from './live-registry.js';
import type { ExpositionFormat } from './prom.js';
import type { Registry } from 'prom-client';
import { CONTENT_TYPES, expositionText } from './prom.js';
import { RefreshDurationHistogram } from './refresh-histogram.js';
import { buildSnapshotRegistryCooperatively } from './snapshot-registry.js';
import type { DeflatedText } from './deflated-text.js';
import { deflateText, NO_TEXT, plainText } from './deflated-text.js';
import type { AwsCallStatsSource, CleanupMetricsProvider, ConcurrencySource } from './sources.js';

export interface MetricsDeps {
  readonly inventory: Inventory;
  readonly config: MetricsConfig;
  /** Storage prices for the cost family; default 0.10 USD per GB-month everywhere. */
  readonly prices?: PriceTable;
  readonly awsStats?: AwsCallStatsSource;
  readonly concurrency?: ConcurrencySource;
  readonly cleanup?: CleanupMetricsProvider;
  /** CACHE_REFRESH_INTERVAL, exposed so alert rules can compare the snapshot age with it. */
  readonly refreshIntervalSeconds?: number;
}

export interface RenderedMetrics {
  readonly contentType: string;
  readonly body: string;
}

/** The exposition in two parts: the snapshot part, cached compressed, then the live part's bytes. */
export interface RenderedParts {
  readonly contentType: string;
  readonly snapshotPart: DeflatedText;
  readonly live: Uint8Array;
}

/**
 * Renders /metrics from the cached snapshot and the inventory status; it never calls AWS.
 * The snapshot part (per-repository and per-image families) is rendered once per snapshot, plan and format
 * into a fresh prom-client Registry and kept as text; the live part (status, counters, histogram) is
 * rendered on every scrape and appended.
 */
export class MetricsRenderer {
  private readonly live: LiveMetrics;
  /**
   * The snapshot part per snapshot, plan and format, compressed as a scrape sends it (deflated-text.ts): encoding
   * and compressing megabytes of text on every scrape would dominate it, and kept as text it is ten times larger.
   */
  private readonly cache = new WeakMap<Snapshot, Map<string, Promise<DeflatedText>>>();
  /**
   * Per format, the newest snapshot part made, held so that a scrape just after a swap is answered from it while the
   * new snapshot's plan and part are made (seconds at a million images), rather than waiting for them.
   */
  private readonly latest = new Map<ExpositionFormat, ShownPart>();
  /** Snapshots whose part failed to be made (until one is made): a scrape then waits for another try, and its error. */
  private readonly failed = new WeakSet<Snapshot>();

  constructor(private readonly deps: MetricsDeps) {
    this.live = new LiveMetrics(deps, new RefreshDurationHistogram());
  }

  async render(format: ExpositionFormat): Promise<RenderedMetrics> {
    const { contentType, snapshotPart, live } = await this.renderParts(format);
    const text: Uint8Array[] = [];
    for await (const chunk of plainText(snapshotPart, live)) text.push(chunk);
    return { contentType, body: Buffer.concat(text).toString('utf8') };
  }

  /** The exposition: the snapshot part (made once per snapshot, plan and format), then the live part. */
  async renderParts(format: ExpositionFormat): Promise<RenderedParts> {
    const current = this.deps.inventory.snapshot();
    const status = this.deps.inventory.status();
    // Before the first snapshot there is no inventory to describe: a 0 would mean "none", not "unknown".
    if (!status.ready) return { contentType: CONTENT_TYPES[format], snapshotPart: NO_TEXT, live: Buffer.from(await this.live.render(format, status)) };
    const shown = await this.shownPart(current, format);
    // The status's view of the snapshot follows the part shown, so a scrape is one snapshot's, never a mix; the
    // refresher's own figures (last success, duration, staleness) stay its latest, as they describe it, not a snapshot.
    const shownStatus = shown.snapshot.deref() === current ? status : Object.assign({}, status, { snapshotVersion: shown.version, incomplete: shown.incomplete });
    const liveText = await this.live.render(format, shownStatus);
    return { contentType: CONTENT_TYPES[format], snapshotPart: shown.part, live: Buffer.from(liveText) };
  }

  /**
   * The current snapshot's part when made; while it is made (its plan, then its text), the newest part made
   * before, which may be an earlier snapshot's: stale but whole. With none, the current one's, once made.
   */
  private async shownPart(current: Snapshot, format: ExpositionFormat): Promise<ShownPart> {
    const making = this.planned(current).then(() => this.snapshotBytes(current, format));
    const last = this.latest.get(format);
    // Version 0 is the empty snapshot before the first refresh: never shown for a later one. After a failure nothing
    // is on its way, so the scrape waits for another try rather than show an older part for ever.
    if (last && last.version > 0 && last.version <= current.version && !this.failed.has(current)) {
      making.catch(() => this.failed.add(current));
      return last;
    }
    return shownPart(current, await making.catch((error: unknown) => {
      this.failed.add(current);
      throw error;
    }));
  }

  /**
   * Renders the current snapshot's part ahead of the next scrape (call after a snapshot swap), so the
   * first scrape of a large snapshot does not pay for it. Prometheus asks for OpenMetrics by default.
   */
  async warm(snapshot: Snapshot = this.deps.inventory.snapshot(), format: ExpositionFormat = 'openmetrics'): Promise<void> {
    await this.planned(snapshot);
    await this.snapshotBytes(snapshot, format);
  }

  /** The snapshot's cleanup plan made (joined while it is made), so its key and reclaimable bytes are not made at once. */
  private async planned(snapshot: Snapshot): Promise<void> {
    await this.deps.cleanup?.planned?.(snapshot);
  }

  private snapshotBytes(snapshot: Snapshot, format: ExpositionFormat): Promise<DeflatedText> {
    const cleanup = this.deps.cleanup;
    const planKey = cleanup?.planKey(snapshot);
    const key = `${format}|${planKey ?? ''}`;
    let perSnapshot = this.cache.get(snapshot);
    if (!perSnapshot) {
      perSnapshot = new Map();
      this.cache.set(snapshot, perSnapshot);
    }
    let bytes = perSnapshot.get(key);
    if (!bytes) {
      // Drop renderings of older plans for this snapshot; keep the other format's.
      for (const old of [...perSnapshot.keys()]) if (old.startsWith(`${format}|`)) perSnapshot.delete(old);
      bytes = buildSnapshotRegistryCooperatively(
        {
          snapshot,
          config: this.deps.config,
          prices: this.deps.prices ?? DEFAULT_PRICES,
          ...(planKey !== undefined && cleanup ? { reclaimable: (id: string) => cleanup.reclaimableFor(snapshot, id) } : {}),
        },
        format,
      )
        .then((registry) => snapshotPart(registry, format));
      bytes.then((part) => this.remember(format, snapshot, part), () => undefined);
      perSnapshot.set(key, bytes);
      bytes.catch(() => perSnapshot.delete(key));
    }
    return bytes;
  }

  private remember(format: ExpositionFormat, snapshot: Snapshot, part: DeflatedText): void {
    const last = this.latest.get(format);
    this.failed.delete(snapshot);
    if (last && snapshot.version < last.version) return;
    this.latest.set(format, shownPart(snapshot, part));
    // A format scraped once (text, by hand) must not hold an old part until it is scraped again.
    for (const [other, shown] of this.latest) if (shown.version < snapshot.version) this.latest.delete(other);
  }
}

/**
 * A snapshot part and what a scrape says of the snapshot it describes. The snapshot is held weakly: served while the
 * next one's part is made (seconds at a million images), the part must not keep a replaced snapshot alive, with its
 * indexes, beside the new one.
 */
interface ShownPart {
  readonly snapshot: WeakRef<Snapshot>;
  readonly version: number;
  readonly incomplete: Snapshot['incomplete'];
  readonly part: DeflatedText;
}

const shownPart = (snapshot: Snapshot, part: DeflatedText): ShownPart => ({
  snapshot: new WeakRef(snapshot),
  version: snapshot.version,
  incomplete: snapshot.incomplete,
  part,
});

/** About how much text is encoded and handed to the compressor at once. */
const CHUNK_CHARS = 1 << 20;

/**
 * The snapshot part as it starts the body, compressed (deflated-text.ts) as the pieces come (prom.ts exposePieces),
 * about a megabyte of text at a time: OpenMetrics has one # EOF, at the very end (the live part's), and the text
 * format a blank line before the live part. At 1,000,000 images the part is about 33 MB of text: joined into one
 * string and encoded, it held the event loop for about 370 ms.
 */
export function snapshotPart(registry: Registry, format: ExpositionFormat, chunkChars = CHUNK_CHARS): Promise<DeflatedText> {
  return deflateText(textChunks(registry, format, chunkChars));
}

async function* textChunks(registry: Registry, format: ExpositionFormat, chunkChars: number): AsyncGenerator<Uint8Array> {
  let pending = '';
  for await (const part of expositionText(registry, format)) {
    if (pending.length >= chunkChars) {
      yield Buffer.from(pending);
      pending = '';
    }
    pending += part;
  }
  // registry.metrics()'s end without OpenMetrics's # EOF; in the text format, a blank line.
  pending += format === 'openmetrics' ? '\n' : '\n\n';
  yield Buffer.from(pending);
}

/** OpenMetrics when the Accept header asks for it at least as strongly as for the text format. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (!accept) return 'prometheus';
  let openmetrics = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    if (!Number.isFinite(weight)) continue;
    if (type === 'application/openmetrics-text') openmetrics = Math.max(openmetrics, weight);
    else if (type === 'text/plain' || type === '*/*' || type === 'text/*') text = Math.max(text, weight);
  }
  return openmetrics > 0 && openmetrics >= text ? 'openmetrics' : 'prometheus';
}
