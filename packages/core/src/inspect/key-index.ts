import { DIGEST_BYTES } from '../engine/diff/resource-key.js';

const WORDS = DIGEST_BYTES / 4;
const EMPTY = -1;

/**
 * Numbers 16-byte keys 0, 1, 2, … in the order they are first seen. The
 * keys are digests (uniform bits), so the first word is the hash. Open
 * addressing over typed arrays: some 30 bytes a key, where a Map of
 * base64 strings takes about 100, which decides whether a diff of two
 * 3 GB states stays within its memory bound.
 */
export class KeyIndex {
  /** Key words by number: key `n` is `#keys[n * WORDS …]`. */
  #keys = new Uint32Array(1024 * WORDS);
  #size = 0;
  /** Hash slots holding key numbers, or EMPTY; kept at most half full. */
  #slots = new Int32Array(2048).fill(EMPTY);

  /** How many keys have been numbered. */
  get size(): number {
    return this.#size;
  }

  /** The number of `key` (its first DIGEST_BYTES bytes), numbering it when it is new. */
  intern(key: Uint8Array): number {
    const words = toWords(key);
    const mask = this.#slots.length - 1;
    for (let slot = (words[0] ?? 0) & mask; ; slot = (slot + 1) & mask) {
      const id = this.#slots[slot] ?? EMPTY;
      if (id === EMPTY) return this.#add(words, slot);
      if (this.#equals(id, words)) return id;
    }
  }

  /** True when number `id` was given to `key`. */
  matches(id: number, key: Uint8Array): boolean {
    return id >= 0 && id < this.#size && this.#equals(id, toWords(key));
  }

  #equals(id: number, words: Uint32Array): boolean {
    const start = id * WORDS;
    for (let i = 0; i < WORDS; i++) if (this.#keys[start + i] !== words[i]) return false;
    return true;
  }

  #add(words: Uint32Array, slot: number): number {
    const id = this.#size++;
    if (this.#keys.length < this.#size * WORDS) {
      const keys = new Uint32Array(Math.ceil(this.#keys.length * 1.5 / WORDS) * WORDS);
      keys.set(this.#keys);
      this.#keys = keys;
    }
    this.#keys.set(words, id * WORDS);
    this.#slots[slot] = id;
    if (this.#size * 2 > this.#slots.length) this.#rehash();
    return id;
  }

  #rehash(): void {
    const slots = new Int32Array(this.#slots.length * 2).fill(EMPTY);
    const mask = slots.length - 1;
    for (let id = 0; id < this.#size; id++) {
      let slot = (this.#keys[id * WORDS] ?? 0) & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.#slots = slots;
  }
}

function toWords(key: Uint8Array): Uint32Array {
  const words = new Uint32Array(WORDS);
  for (let i = 0; i < WORDS; i++) {
    const at = i * 4;
    words[i] = ((key[at] ?? 0) | ((key[at + 1] ?? 0) << 8) | ((key[at + 2] ?? 0) << 16) | ((key[at + 3] ?? 0) << 24)) >>> 0;
  }
  return words;
}
