/** An age for people: `45s`, `12m05s`, `3h12m`, `2d04h` (two units at most; negative ages read as 0s). */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
  return `${Math.floor(hours / 24)}d${String(hours % 24).padStart(2, '0')}h`;
}

/**
 * A LockInfo's `Created` as a Date, or undefined when it is not a time.
 * Terraform writes it as Go does (RFC 3339 with nanoseconds and a zone
 * offset); Date reads only milliseconds, so the extra digits go.
 */
export function lockCreatedAt(created: string | undefined): Date | undefined {
  if (!created) return undefined;
  const time = Date.parse(created.replace(/(\.\d{3})\d+/, '$1'));
  return Number.isNaN(time) ? undefined : new Date(time);
}
