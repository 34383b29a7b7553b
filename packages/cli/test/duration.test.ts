import { describe, expect, it } from 'vitest';
import { ageSince, formatAge, parseDuration } from '../src/duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['0s', 0],
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', 'soon', '5x', '-1s', 's', '1s2'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatAge', () => {
  it.each([
    [0, '0s'],
    [-5_000, '0s'],
    [45_000, '45s'],
    [65_000, '1m05s'],
    [3 * 3_600_000 + 12 * 60_000, '3h12m'],
    [50 * 3_600_000, '2d02h'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('ageSince', () => {
  const now = Date.parse('2026-01-02T03:05:05.123Z');

  it("reads Terraform's LockInfo.Created (Go's nanoseconds, any zone)", () => {
    expect(ageSince('2026-01-02T03:04:05.123456789Z', now)).toBe(60_000);
    expect(ageSince('2026-01-02T04:04:05.123+01:00', now)).toBe(60_000);
  });

  it.each([undefined, '', 'yesterday'])('has no age for %j', (created) => {
    expect(ageSince(created, now)).toBeUndefined();
  });
});
