import { setTimeout as sleep } from 'node:timers/promises';

export interface PeakRssReport<T> {
  result: T;
  /** RSS in bytes just before `run` started (after a GC when `global.gc` is exposed). */
  baselineRss: number;
  /** Highest RSS seen while `run` ran. */
  peakRss: number;
  /** `peakRss - baselineRss`, never negative. */
  peakGrowth: number;
  samples: number;
}

export interface PeakRssOptions {
  /** How often the timer samples. Default 20 ms. */
  intervalMs?: number;
}

/**
 * Runs `run` while sampling the process's resident set size, and reports
 * the peak growth over the baseline. A timer samples every `intervalMs`;
 * `run` also gets a `sample()` to call from its own loops, because a
 * pipeline that only ever awaits promises never lets a timer fire.
 * RSS covers Buffers outside the JS heap, which heap statistics miss.
 */
export async function measurePeakRss<T>(run: (sample: () => void) => Promise<T>, options: PeakRssOptions = {}): Promise<PeakRssReport<T>> {
  await settleHeap();
  const baselineRss = process.memoryUsage.rss();
  let peakRss = baselineRss;
  let samples = 0;
  const sample = (): void => {
    const rss = process.memoryUsage.rss();
    samples++;
    if (rss > peakRss) peakRss = rss;
  };
  const timer = setInterval(sample, options.intervalMs ?? 20);
  try {
    const result = await run(sample);
    sample();
    return { result, baselineRss, peakRss, peakGrowth: Math.max(0, peakRss - baselineRss), samples };
  } finally {
    clearInterval(timer);
  }
}

/** Collect garbage when the process runs with --expose-gc; otherwise just let pending work finish. */
export async function settleHeap(): Promise<void> {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') {
    gc();
    // A second pass frees what the first one's finalizers released.
    await sleep(10);
    gc();
  }
  await sleep(10);
}
