/** The emulator's admin API under /_emulator/ (separate from the AWS paths, which are all `POST /`). */
import { z } from 'zod';
import { ControlSettingsSchema } from './controls.js';
import type { Controls } from './controls.js';
import { ImageSchema } from './fixture.js';
import type { EmulatorStore } from './store.js';

export const ADMIN_PREFIX = '/_emulator';

export interface AdminReply {
  readonly status: number;
  readonly body: unknown;
}

const target = {
  accountId: z
    .string()
    .regex(/^\d{12}$/)
    .optional(),
  region: z.string().min(1).optional(),
};

const DeleteRepositoryBody = z.object({ ...target, repositoryName: z.string().min(1) });
const PutImageBody = z.object({ ...target, repositoryName: z.string().min(1), image: ImageSchema });
const StopTaskBody = z.object({
  ...target,
  cluster: z.string().min(1),
  task: z.string().min(1),
  stoppedReason: z.string().optional(),
  stoppedAt: z.number().nonnegative().optional(),
});

function parse<T>(schema: z.ZodType<T>, body: unknown): T | AdminReply {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  return { status: 400, body: { error: `${issue.path.join('.') || 'body'}: ${issue.message}` } };
}

const isReply = (v: unknown): v is AdminReply => typeof v === 'object' && v !== null && 'status' in v && 'body' in v;

/** Routes one admin request. `now` is epoch ms. */
export function handleAdmin(
  store: EmulatorStore,
  controls: Controls,
  method: string,
  path: string,
  body: unknown,
  now: number,
): AdminReply {
  const route = `${method} ${path.slice(ADMIN_PREFIX.length)}`;
  const where = (b: { accountId?: string; region?: string }): [string, string] => [
    b.accountId ?? store.defaultAccountId,
    b.region ?? store.defaultRegion,
  ];
  switch (route) {
    case 'GET /health':
      return { status: 200, body: { ok: true } };
    case 'GET /summary':
      return {
        status: 200,
        body: {
          defaultAccountId: store.defaultAccountId,
          defaultRegion: store.defaultRegion,
          registries: store.summary(),
        },
      };
    case 'GET /controls':
      return { status: 200, body: controls.settings() };
    case 'PUT /controls': {
      const patch = parse(ControlSettingsSchema.partial(), body);
      if (isReply(patch)) return patch;
      return { status: 200, body: controls.update(patch) };
    }
    case 'GET /calls':
      return { status: 200, body: controls.calls() };
    case 'POST /calls/reset':
      controls.resetCalls();
      return { status: 200, body: {} };
    case 'POST /repositories/delete': {
      const b = parse(DeleteRepositoryBody, body);
      if (isReply(b)) return b;
      return store.deleteRepository(...where(b), b.repositoryName)
        ? { status: 200, body: { deleted: b.repositoryName } }
        : { status: 404, body: { error: `repositoryName: no repository ${b.repositoryName}` } };
    }
    case 'POST /images': {
      const b = parse(PutImageBody, body);
      if (isReply(b)) return b;
      return store.putImage(...where(b), b.repositoryName, b.image)
        ? { status: 200, body: { pushed: b.image.digest } }
        : { status: 404, body: { error: `repositoryName: no repository ${b.repositoryName}` } };
    }
    case 'POST /tasks/stop': {
      const b = parse(StopTaskBody, body);
      if (isReply(b)) return b;
      return store.stopTask(...where(b), b.cluster, b.task, b.stoppedAt ?? Math.floor(now / 1000), b.stoppedReason)
        ? { status: 200, body: { stopped: b.task } }
        : { status: 404, body: { error: `task: no task ${b.task} in cluster ${b.cluster}` } };
    }
    default:
      return { status: 404, body: { error: `no admin route ${route}` } };
  }
}
