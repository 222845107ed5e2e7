/**
 * The store's thread: the one connection that reads and writes the usage ledger and the cleanup audit once the
 * store is open (a worker_threads worker started by threaded-store.ts). SQLite's calls are synchronous, and a
 * commit under synchronous=FULL waits for the disk: here they wait without holding the main thread's event loop.
 * Requests are served one at a time, in the order sent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { BUSY_TIMEOUT_MS, closeConnection, configure } from './connection.js';
import { SqliteAudit } from './sqlite-audit.js';
import { SqliteLedger } from './sqlite-ledger.js';
import { PAGE_SIZE, toThreadError } from './thread-protocol.js';
import type { StoreReply, StoreRequest, StoreThreadData } from './thread-protocol.js';
import type { UseSighting } from './types.js';

const port = parentPort;
if (!port) throw new Error('store-thread.ts runs as a worker thread');
const { file } = workerData as StoreThreadData;

const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
configure(db);
const ledger = new SqliteLedger(db, file);
const audit = new SqliteAudit(db);
/** Sightings received for a record not yet committed, by request id. */
const sightings = new Map<number, UseSighting[]>();
/** Pages of one call sent and not yet taken, and the wait for one to be. */
let paging: { readonly id: number; unread: number; wake?: () => void } | undefined;
/** Pages in flight at most: the next is read from SQLite while the main thread takes the last. */
const PAGES_IN_FLIGHT = 2;

/** Sends a page; resolves once fewer than PAGES_IN_FLIGHT of this call's pages are untaken. */
function sendPage(id: number, page: readonly unknown[]): Promise<void> {
  if (paging?.id !== id) paging = { id, unread: 0 };
  const current = paging;
  current.unread++;
  reply({ id, page });
  if (current.unread < PAGES_IN_FLIGHT) return Promise.resolve();
  return new Promise((wake) => {
    current.wake = wake;
  });
}

function pageTaken(id: number): void {
  if (paging?.id !== id) return;
  paging.unread--;
  const wake = paging.wake;
  paging.wake = undefined;
  wake?.();
}

const reply = (message: StoreReply): void => port.postMessage(message);

async function serve(request: StoreRequest): Promise<unknown> {
  switch (request.call) {
    case 'ledger.sightings': {
      const held = sightings.get(request.id);
      if (held) for (const s of request.sightings) held.push(s);
      else sightings.set(request.id, request.sightings);
      return undefined;
    }
    case 'ledger.record': {
      const all = sightings.get(request.id) ?? [];
      sightings.delete(request.id);
      return ledger.record(all, request.args.seenAt);
    }
    case 'ledger.seenSince': {
      let page: unknown[] = [];
      // The statement stays open between pages; requests that arrive meanwhile wait in the queue behind this one.
      for (const entry of ledger.entriesSeenSince(request.args.since)) {
        page.push(entry);
        if (page.length === PAGE_SIZE) {
          await sendPage(request.id, page);
          page = [];
        }
      }
      if (page.length > 0) await sendPage(request.id, page);
      return undefined;
    }
    case 'ledger.prune':
      return ledger.prune(request.args.before);
    case 'ledger.size':
      return ledger.size();
    case 'ledger.watched':
      return ledger.watched(request.args.scopes, request.args.at, request.args.maxGapMs);
    case 'audit.append':
      return audit.append(request.args.entry);
    case 'audit.entries':
      return audit.entries(request.args);
    case 'audit.runs':
      return audit.runs(request.args);
    case 'audit.unfinishedRuns':
      return audit.unfinishedRuns();
    case 'close':
      closeConnection(db);
      return undefined;
    case 'ledger.discard':
      sightings.delete(request.id);
      return undefined;
    case 'page.taken':
      return undefined;
  }
}

// One at a time: each request starts after the one before has answered.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: StoreRequest) => {
  // Not queued: the request being served is the one waiting for it.
  if (request.call === 'page.taken') return pageTaken(request.id);
  queue = queue.then(async () => {
    try {
      const result = await serve(request);
      // A page of sightings is not answered (the record that follows is), nor a discard (its call was rejected).
      if (request.call !== 'ledger.sightings' && request.call !== 'ledger.discard') reply({ id: request.id, result });
    } catch (error) {
      sightings.delete(request.id);
      reply({ id: request.id, error: toThreadError(error) });
    }
    if (request.call === 'close') port.close();
  });
});
