/** A full garbage collection on demand, for tests that an object is not kept alive (V8's gc, exposed at run time). */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects after the current job: a WeakRef's target read in it is kept until the job ends. */
export async function collectGarbage(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
  gc();
}
