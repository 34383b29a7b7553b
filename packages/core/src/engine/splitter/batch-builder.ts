import type { RawResource, ResourceBatch } from './types.js';

/**
 * Collects resource slices (views into input windows) and packs them into
 * one fresh buffer per batch. The copy runs at memcpy speed and buys two
 * things: the batch can be transferred to a worker, and it pins no input
 * window once built.
 */
export class BatchBuilder {
  private pending: RawResource[] = [];
  private pendingBytes = 0;

  constructor(private readonly capBytes: number) {}

  /** Adds a resource; returns the batch that had to be closed first to stay under the cap, if any. */
  add(resource: RawResource): ResourceBatch | undefined {
    const size = resource.bytes.byteLength;
    const full = this.pending.length > 0 && this.pendingBytes + size > this.capBytes ? this.take() : undefined;
    this.pending.push(resource);
    this.pendingBytes += size;
    return full;
  }

  /** Closes the batch being built; undefined when it is empty. */
  flush(): ResourceBatch | undefined {
    return this.pending.length > 0 ? this.take() : undefined;
  }

  private take(): ResourceBatch {
    const buffer = new ArrayBuffer(this.pendingBytes);
    const target = new Uint8Array(buffer);
    const resources: RawResource[] = [];
    let at = 0;
    for (const resource of this.pending) {
      const length = resource.bytes.byteLength;
      target.set(resource.bytes, at);
      resources.push({ index: resource.index, offset: resource.offset, bytes: new Uint8Array(buffer, at, length) });
      at += length;
    }
    const batch: ResourceBatch = { resources, bytes: this.pendingBytes, buffer };
    this.pending = [];
    this.pendingBytes = 0;
    return batch;
  }
}
