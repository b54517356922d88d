/**
 * A message reaches every listener of its channel in one synchronous loop: this parses it once for all of
 * them (and reports it once when it is malformed) instead of once per listener.
 */
export function parseOnce<T>(parse: (raw: string) => T | null, onMalformed: (raw: string) => void): (raw: string) => T | null {
  let last: { raw: string; value: T | null } | null = null;
  return (raw) => {
    if (last?.raw !== raw) {
      const value = parse(raw);
      if (value === null) onMalformed(raw);
      last = { raw, value };
    }
    return last.value;
  };
}
