/**
 * A state's text with `check_results` in a fixed order. Terraform keeps check
 * results in a Go map and writes them in a different order from one
 * `state pull` to the next, so a byte comparison with what was stored must
 * set that one list aside; everything else is compared byte for byte.
 */
export function checkResultsInOrder(text: string): string {
  const state: unknown = JSON.parse(text);
  if (typeof state !== 'object' || state === null || !('check_results' in state) || !Array.isArray(state.check_results)) return text.trimEnd();
  const key = (entry: unknown): string => JSON.stringify(entry);
  const sorted = [...state.check_results].sort((a: unknown, b: unknown) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const start = text.indexOf('\n  "check_results": ');
  if (start < 0) return text.trimEnd();
  // check_results is the last top-level key Terraform writes: keep the bytes before it exactly.
  return `${text.slice(0, start)}\n  "check_results": ${JSON.stringify(sorted)}`;
}
