/**
 * 64-bit hashes of strings in flat typed arrays: the cross-resource rules
 * keep one per resource address and one per instance address, which as
 * strings in a Map cost ~100 bytes each (72 MiB for a 1 GB state) and here
 * cost 12 or 8 bytes a slot. Two different strings share a hash with a
 * chance of n²/2⁶⁵: negligible at any state size.
 */
export class Hash64Table {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #values: Int32Array | undefined;
  #size = 0;

  /** `withValues`: an int32 is kept per key (`get`/`set`); otherwise it is a set (`add`/`has`). */
  constructor(withValues: boolean, initialSlots = 1024) {
    this.#hi = new Uint32Array(initialSlots);
    this.#lo = new Uint32Array(initialSlots);
    this.#values = withValues ? new Int32Array(initialSlots) : undefined;
  }

  get size(): number {
    return this.#size;
  }

  has(text: string): boolean {
    return this.#find(text) >= 0;
  }

  /** The value stored for `text`, or undefined. */
  get(text: string): number | undefined {
    const slot = this.#find(text);
    return slot >= 0 ? this.#values?.[slot] : undefined;
  }

  /** Adds `text` (with `value` when the table keeps values); false when it was there already, which keeps its first value. */
  add(text: string, value = 0): boolean {
    if ((this.#size + 1) * 4 > this.#hi.length * 3) this.#grow();
    hashString(text);
    const slot = this.#slot(hashHi, hashLo);
    if (this.#hi[slot] !== 0 || this.#lo[slot] !== 0) return false;
    this.#hi[slot] = hashHi;
    this.#lo[slot] = hashLo;
    if (this.#values) this.#values[slot] = value;
    this.#size++;
    return true;
  }

  #find(text: string): number {
    hashString(text);
    const slot = this.#slot(hashHi, hashLo);
    return this.#hi[slot] !== 0 || this.#lo[slot] !== 0 ? slot : -1;
  }

  /** The slot holding (hi, lo), or the empty slot where it would go (linear probing). */
  #slot(hi: number, lo: number): number {
    const mask = this.#hi.length - 1;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    for (;;) {
      const h = this.#hi[slot] ?? 0;
      const l = this.#lo[slot] ?? 0;
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  #grow(): void {
    const hi = this.#hi;
    const lo = this.#lo;
    const values = this.#values;
    this.#hi = new Uint32Array(hi.length * 2);
    this.#lo = new Uint32Array(hi.length * 2);
    this.#values = values ? new Int32Array(hi.length * 2) : undefined;
    for (let i = 0; i < hi.length; i++) {
      const h = hi[i] ?? 0;
      const l = lo[i] ?? 0;
      if (h === 0 && l === 0) continue;
      const slot = this.#slot(h, l);
      this.#hi[slot] = h;
      this.#lo[slot] = l;
      if (this.#values && values) this.#values[slot] = values[i] ?? 0;
    }
  }
}

let hashHi = 0;
let hashLo = 0;

/** Two 32-bit FNV-1a variants over UTF-16 code units, into hashHi/hashLo; (0, 0) is reserved for empty slots. */
function hashString(text: string): void {
  let a = 0x811c9dc5;
  let b = 0x9e3779b1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
  }
  hashHi = a >>> 0;
  hashLo = b >>> 0 || (hashHi === 0 ? 1 : 0);
}
