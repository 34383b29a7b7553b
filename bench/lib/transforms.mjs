// Byte-stream rewrites that make the comparison's extra inputs from the generated state without holding it:
// a compacted copy (what `jq -c .` writes) and a modified copy (for `diff`).
import { Transform } from 'node:stream';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Removes JSON whitespace outside strings, so the output is what `jq -c .` writes but with every number's
 * text kept as it is (jq 1.6 rounds integers above 2^53 to doubles, and the generated states hold such
 * numbers on purpose). Needs only the string/escape state across chunks: a quote inside a string is
 * escaped, and an escape is always one backslash plus one byte that is never whitespace-relevant.
 */
export function compactJson() {
  let inString = false;
  let escaped = false;
  return new Transform({
    transform(chunk, _encoding, done) {
      const out = Buffer.allocUnsafe(chunk.length);
      let length = 0;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (inString) {
          if (escaped) escaped = false;
          else if (byte === BACKSLASH) escaped = true;
          else if (byte === QUOTE) inString = false;
        } else if (byte === SPACE || byte === TAB || byte === LF || byte === CR) {
          continue;
        } else if (byte === QUOTE) {
          inString = true;
        }
        out[length++] = byte;
      }
      done(null, out.subarray(0, length));
    },
    flush(done) {
      // jq ends its output with a newline; keep the copy byte-comparable with what jq would write.
      done(null, Buffer.from('\n'));
    },
  });
}

/**
 * Rewrites a state in Terraform's layout line by line: the top-level `serial` goes up by one, and every
 * `period`-th string attribute `key` of an instance gets a different last character. Matching only the
 * instance attribute indent (12 spaces: resources › resource › instances › instance › attributes) means
 * each change lands in a different instance and never in a nested block, so a correct `diff` reports
 * exactly `counts.changed` changed instances and nothing added or removed. Values keep their length, so the
 * copy has the same size. `counts` is filled in as the stream runs.
 */
export function mutateLines({ key, period }) {
  const attribute = new RegExp(`^( {12}"${key}": ")([^"\\\\]*)(",?)$`);
  const serial = /^( {2}"serial": )(\d+)(,)$/;
  const counts = { seen: 0, changed: 0, serial: undefined };
  let carry = '';
  const rewrite = (line) => {
    const s = serial.exec(line);
    if (s !== null && counts.serial === undefined) {
      counts.serial = Number(s[2]) + 1;
      return `${s[1]}${counts.serial}${s[3]}`;
    }
    const a = attribute.exec(line);
    if (a === null) return line;
    counts.seen++;
    if (counts.seen % period !== 0) return line;
    counts.changed++;
    const value = a[2];
    const last = value.at(-1);
    // A different character of the same kind keeps ids plausible (hex stays hex) and the length unchanged.
    const changed = value === '' ? 'x' : `${value.slice(0, -1)}${last === '0' ? '1' : '0'}`;
    return `${a[1]}${changed}${a[3]}`;
  };
  const transform = new Transform({
    // latin1 maps every byte to one char and back, so multi-byte UTF-8 split across chunks survives untouched.
    transform(chunk, _encoding, done) {
      const text = carry + chunk.toString('latin1');
      const lines = text.split('\n');
      carry = lines.pop() ?? '';
      done(null, Buffer.from(lines.map(rewrite).join('\n') + (lines.length > 0 ? '\n' : ''), 'latin1'));
    },
    flush(done) {
      done(null, Buffer.from(rewrite(carry), 'latin1'));
    },
  });
  return { transform, counts };
}
