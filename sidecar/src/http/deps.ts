import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AnnotationSource } from '../query/annotations.js';
import type { FrameBuilders } from '../query/builder.js';
import type { QueryContext } from '../query/context.js';
import type { Inventory } from '../snapshot/inventory.js';
import type { ArrivalTurns } from '../arrival-turns.js';

/** The logger routes write to: logfmt in production (main.ts), silent or capturing in tests. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

export interface HttpLimits {
  /** Largest request body accepted (default 64 KiB); larger ones get 413. */
  readonly bodyBytes?: number;
  /** Per-request time budget (default 30 s); past it, 503. */
  readonly timeoutMs?: number;
  /** Byte bound of the query result cache (default 64 MiB). */
  readonly cacheBytes?: number;
  /** How long POST /api/v1/refresh waits for the refresh before answering 202 (default 10 s). */
  readonly refreshWaitMs?: number;
  /** Most annotation events per request (default 1000). */
  readonly maxAnnotations?: number;
}

/** Everything the HTTP app needs; main.ts wires it from the config. */
export interface AppDeps {
  readonly inventory: Inventory;
  /** Clock, prices, reclaimable and findings providers for queries, reports and annotations. */
  readonly query: QueryContext;
  readonly logger?: Logger;
  /** When set, /api/* requires `Authorization: Bearer <token>` (SIDECAR_API_TOKEN). */
  readonly apiToken?: string;
  /** Every configured secret (secrets.ts configSecrets), masked in what the app echoes of a request: a 404's path. */
  readonly secrets?: readonly string[];
  /** Origins allowed by CORS. CORS stays closed (no headers) when empty or absent. */
  readonly corsOrigins?: readonly string[];
  readonly limits?: HttpLimits;
  /** Extra query types (cleanup, lifecycle), merged over the built-in ones. */
  readonly queryTypes?: FrameBuilders;
  /** Extra annotation kinds (cleanup), merged over the built-in `push`. */
  readonly annotationKinds?: Readonly<Record<string, AnnotationSource>>;
  /**
   * Extra route modules (cleanup under /api/v1/cleanup/*, /metrics). They are registered after the
   * auth, limits and error handling are in place, so /api/* routes they add are protected too.
   */
  readonly routes?: ReadonlyArray<(app: OpenAPIHono<AppEnv>) => void>;
  readonly version?: string;
  /** Requests are let in a few per turn of the event loop, in the turns the AWS responses are parsed in (absent: all at once). */
  readonly turns?: ArrivalTurns;
}

export type AppEnv = { Variables: { requestId: string } };
