// Size arguments such as `30KB,100MB,1GB`. Binary units (1 KB = 1024 bytes), as the splitter bench and the
// generator's callers use, so `100MB` here is the same input as `node bench/splitter.bench.mjs 100`.

const UNITS = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** `"30KB"` → `{ label: '30KB', bytes: 30720 }`; throws a RangeError on anything else, naming the accepted forms. */
export function parseSize(text) {
  const match = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)$/i.exec(text.trim());
  if (match === null) throw new RangeError(`size '${text}' is not a size; write it as 30KB, 100MB or 1GB`);
  const [, amount, unit] = match;
  return { label: `${amount}${unit.toUpperCase()}`, bytes: Math.round(Number(amount) * UNITS[unit.toUpperCase()]) };
}

/** `"30KB,100MB"` → sizes in the order given, duplicates dropped. */
export function parseSizes(text) {
  const seen = new Map();
  for (const part of text.split(',').filter((p) => p.trim() !== '')) {
    const size = parseSize(part);
    seen.set(size.bytes, size);
  }
  if (seen.size === 0) throw new RangeError('--sizes needs at least one size, e.g. --sizes 30KB,100MB');
  return [...seen.values()];
}

/** Bytes for people: `38.6 KB`, `104.9 MB`, `1.07 GB` (decimal, as `ls -h --si` and the tables print). */
export function formatBytes(bytes) {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} KB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}
