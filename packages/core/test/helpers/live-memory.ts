import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A garbage collector to call. RSS is no measure of what a streaming stage
 * holds: it keeps its high-water mark, and V8 lets tens of MB of dead
 * buffers pile up before it collects. Live memory right after a full GC is
 * the measure.
 */
export function collector(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not expose the garbage collector');
  return () => {
    gc();
  };
}

/** Live heap plus ArrayBuffer memory: what is really held right now. */
export function liveBytes(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
