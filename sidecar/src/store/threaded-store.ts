/**
 * The store as the main thread sees it: the ledger and the audit, each call sent to the store's thread
 * (store-thread.ts) and answered there, so that SQLite's work and its fsyncs never hold the event loop. A whole
 * refresh's sightings cross in pages with a turn of the event loop between them, and are committed together.
 *
 * If the thread stops (a crash), the calls it had not answered reject, and the next call starts a new one: a
 * rejected ledger call blocks every plan (refresh/memory.ts), a rejected audit append refuses the cleanup run.
 */
import { Worker } from 'node:worker_threads';
import { nextTurn } from '../cooperative.js';
import { fromThreadError, PAGE_SIZE } from './thread-protocol.js';
import type { StoreCall, StoreCalls, StoreReply, StoreRequest, StoreThreadData } from './thread-protocol.js';
import type {
  AuditEntry,
  AuditRun,
  AuditStore,
  LedgerEntry,
  Store,
  StoredAuditEntry,
  UsageLedger,
  UseSighting,
} from './types.js';

interface Answer {
  readonly result: unknown;
  /** Pages received before the result (seenSince). */
  readonly pages: unknown[];
}

interface Pending {
  /** The thread the call went to: only its exit rejects the call. */
  readonly worker: Worker;
  readonly resolve: (value: Answer) => void;
  readonly reject: (error: Error) => void;
  /** Pages received so far (seenSince). */
  readonly pages: unknown[];
}

/**
 * Run from source (tsx, vitest), the thread's module is TypeScript: the thread registers tsx's loader first, found
 * from here (an eval'd thread would look it up from the working directory). Compiled (dist/), it is plain JavaScript
 * beside this file.
 */
function startThread(data: StoreThreadData): Worker {
  const source = import.meta.url.endsWith('.ts');
  const entry = new URL(source ? './store-thread.ts' : './store-thread.js', import.meta.url);
  const options = { workerData: data, resourceLimits: THREAD_LIMITS };
  if (!source) return new Worker(entry, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { ...options, eval: true });
}

/**
 * A young generation of 4 MiB: the thread's RSS once it has written is ~29 MiB instead of ~38 (bench: a record of
 * 517 sightings, 20 times, compiled), for ~10 % longer records of 100,000 sightings, which hold no request.
 */
const THREAD_LIMITS = { maxYoungGenerationSizeMb: 4 };

class StoreThread {
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();
  /** Every call not yet settled, records still sending their pages included: close() waits for them. */
  readonly #inFlight = new Set<Promise<unknown>>();
  #closed: Promise<void> | undefined;

  /** Started at the first call: a store opened and closed unused starts no thread. */
  constructor(
    private readonly data: StoreThreadData,
    private readonly started: ((thread: Worker) => void) | undefined,
  ) {}

  #start(): Worker {
    const worker = startThread(this.data);
    this.started?.(worker);
    // Idle, the thread does not keep the process alive; with a call in flight it does.
    worker.unref();
    let failure: Error | undefined;
    worker.on('message', (reply: StoreReply) => this.#receive(reply));
    worker.on('error', (error: Error) => {
      failure = error;
    });
    worker.on('exit', (code: number) => {
      if (this.#worker === worker) this.#worker = undefined;
      const why = failure ? `: ${failure.message}` : ` (exit code ${code})`;
      this.#rejectCallsOf(worker, new Error(`the store's thread stopped${why}`));
    });
    return worker;
  }

  #rejectCallsOf(worker: Worker, error: Error): void {
    for (const [id, p] of [...this.#pending]) {
      if (p.worker !== worker) continue;
      this.#pending.delete(id);
      p.reject(error);
    }
  }

  #receive(reply: StoreReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    if ('page' in reply) {
      for (const item of reply.page) pending.pages.push(item);
      pending.worker.postMessage({ id: reply.id, call: 'page.taken' } satisfies StoreRequest);
      return;
    }
    this.#settle(reply.id, pending);
    if ('error' in reply) pending.reject(fromThreadError(reply.error));
    else pending.resolve({ result: reply.result, pages: pending.pages });
  }

  /** A call answered or failed: off the books, and the thread idle (unref) when it was the last. */
  #settle(id: number, pending: Pending): void {
    this.#pending.delete(id);
    if (this.#pending.size === 0) pending.worker.unref();
  }

  /** Registers a call to `worker`: its id and its answer. The thread keeps the process alive until it settles. */
  #register(worker: Worker): { id: number; answer: Promise<Answer> } {
    const id = this.#nextId++;
    const answer = new Promise<Answer>((resolve, reject) => this.#pending.set(id, { worker, resolve, reject, pages: [] }));
    worker.ref();
    return { id, answer };
  }

  /** Registers a call to the thread (started if need be) and returns its id and its answer. */
  #open(): { id: number; worker: Worker; answer: Promise<Answer> } {
    if (this.#closed) throw new Error('the store is closed');
    const worker = (this.#worker ??= this.#start());
    const { id, answer } = this.#register(worker);
    // Handled from the start: a thread may stop while a record still sends its pages, before anyone awaits this.
    const settled = answer.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return { id, worker, answer };
  }

  /** Posts a request; a message that cannot be copied (DataCloneError) rejects that call alone. */
  #post(worker: Worker, request: StoreRequest): boolean {
    try {
      worker.postMessage(request);
      return true;
    } catch (error) {
      const pending = this.#pending.get(request.id);
      if (pending) {
        this.#settle(request.id, pending);
        pending.reject(error instanceof Error ? error : new Error(String(error)));
      }
      return false;
    }
  }

  async call<K extends StoreCall>(call: K, args: StoreCalls[K]['args']): Promise<StoreCalls[K]['result']> {
    const { id, worker, answer } = this.#open();
    this.#post(worker, { id, call, args } as StoreRequest);
    return (await answer).result as StoreCalls[K]['result'];
  }

  /** seenSince: the entries arrive in pages, each its own turn of the event loop. */
  async entries(since: number): Promise<LedgerEntry[]> {
    const { id, worker, answer } = this.#open();
    this.#post(worker, { id, call: 'ledger.seenSince', args: { since } });
    return (await answer).pages as LedgerEntry[];
  }

  /** The sightings in pages, a turn apart, then the commit: all of them are recorded, or none. */
  async record(sightings: readonly UseSighting[], seenAt: number): Promise<void> {
    const { id, worker, answer } = this.#open();
    for (let start = 0; start < sightings.length; start += PAGE_SIZE) {
      if (start > 0) await nextTurn();
      // A thread that stopped meanwhile rejected the call: its successor must not commit part of the pages.
      if (!this.#pending.has(id)) break;
      if (!this.#post(worker, { id, call: 'ledger.sightings', sightings: sightings.slice(start, start + PAGE_SIZE) })) {
        // The pages sent before are dropped, not left held in the thread.
        if (start > 0) worker.postMessage({ id, call: 'ledger.discard' } satisfies StoreRequest);
        break;
      }
    }
    if (this.#pending.has(id)) this.#post(worker, { id, call: 'ledger.record', args: { seenAt } });
    await answer;
  }

  /** Waits for the calls made before (a record sending its pages too), closes the connection and ends the thread. */
  close(): Promise<void> {
    return (this.#closed ??= (async () => {
      await Promise.all(this.#inFlight);
      const worker = this.#worker;
      if (!worker) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      const { id, answer } = this.#register(worker);
      this.#post(worker, { id, call: 'close', args: {} });
      try {
        await answer;
      } finally {
        // The answer let the thread go idle (unref); its exit is still to be waited for.
        worker.ref();
        await exited;
      }
    })());
  }
}

class ThreadedLedger implements UsageLedger {
  constructor(private readonly thread: StoreThread) {}
  record(sightings: readonly UseSighting[], seenAt: number): Promise<void> {
    return this.thread.record(sightings, seenAt);
  }
  seenSince(since: number): Promise<LedgerEntry[]> {
    return this.thread.entries(since);
  }
  prune(before: number): Promise<number> {
    return this.thread.call('ledger.prune', { before });
  }
  size(): Promise<{ readonly entries: number; readonly bytes: number }> {
    return this.thread.call('ledger.size', {});
  }
  watched(scopes: readonly string[], at: number, maxGapMs: number): Promise<ReadonlyMap<string, number>> {
    return this.thread.call('ledger.watched', { scopes, at, maxGapMs });
  }
}

class ThreadedAudit implements AuditStore {
  constructor(private readonly thread: StoreThread) {}
  async append(entry: AuditEntry): Promise<void> {
    await this.thread.call('audit.append', { entry });
  }
  entries(options: { readonly after?: number; readonly limit: number; readonly runId?: string }): Promise<StoredAuditEntry[]> {
    return this.thread.call('audit.entries', options);
  }
  runs(options: { readonly before?: number; readonly limit: number }): Promise<AuditRun[]> {
    return this.thread.call('audit.runs', options);
  }
  unfinishedRuns(): Promise<{ readonly runId: string; readonly startedAt: string }[]> {
    return this.thread.call('audit.unfinishedRuns', {});
  }
}

/** The store over `file` (created and migrated already), served by a thread of its own. */
export function threadedStore(file: string, started?: (thread: Worker) => void): Store {
  const thread = new StoreThread({ file }, started);
  return { ledger: new ThreadedLedger(thread), audit: new ThreadedAudit(thread), location: file, close: () => thread.close() };
}
