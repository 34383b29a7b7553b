import { lockCreatedAt } from '@tempeh/core';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;

/** Units of an age (`--max-age`): a duration's, plus days and weeks, which retention is usually counted in. */
const AGE_UNIT_MS: Record<string, number> = { ...UNIT_MS, d: 86_400_000, w: 7 * 86_400_000 };
const AGE_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/**
 * Parses a duration the way Terraform's `-lock-timeout` spells them (Go's
 * time.ParseDuration, restricted to ms/s/m/h): `500ms`, `10s`, `2m`, `1m30s`.
 * A bare `0` is allowed. Returns milliseconds, or undefined when the text
 * is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  return parseWith(text, PART, UNIT_MS);
}

/**
 * Parses an age such as `30d`, `2w`, `12h` or `1d12h`: a duration that may
 * also count days (24 h) and weeks. Returns milliseconds, or undefined.
 */
export function parseAge(text: string): number | undefined {
  return parseWith(text, AGE_PART, AGE_UNIT_MS);
}

function parseWith(text: string, part: RegExp, units: Record<string, number>): number | undefined {
  const input = text.trim();
  if (input === '0') return 0;
  if (input === '') return undefined;
  let total = 0;
  part.lastIndex = 0;
  while (part.lastIndex < input.length) {
    const match = part.exec(input);
    if (!match) return undefined;
    const [, amount, unit] = match;
    const factor = unit === undefined ? undefined : units[unit];
    if (amount === undefined || factor === undefined) return undefined;
    total += Number(amount) * factor;
  }
  return Math.round(total);
}

export { formatAge } from '@tempeh/core';

/** Milliseconds since a LockInfo's `Created`, or undefined when it is not a time (see core's lockCreatedAt). */
export function ageSince(created: string | undefined, now: number = Date.now()): number | undefined {
  const at = lockCreatedAt(created);
  return at === undefined ? undefined : Math.max(0, now - at.getTime());
}
