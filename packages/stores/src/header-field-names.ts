/**
 * Kafka header names are free text, but MongoDB-wire servers refuse field names containing '.' or
 * starting with '$' (FerretDB always, MongoDB in places), and producers do use such names (e.g.
 * Spring's "spring.json.header.types"). Stored header maps escape '%', '.' and '$' as %25, %2E, %24;
 * names without them are stored as they are.
 */
export function encodeHeaderFields(headers: Record<string, string>): Record<string, string> {
  return mapKeys(headers, (k) =>
    k.replace(/[%.$]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  );
}

export function decodeHeaderFields(headers: Record<string, string>): Record<string, string> {
  return mapKeys(headers, (k) =>
    k.replace(/%(25|2E|24)/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
  );
}

function mapKeys(headers: Record<string, string>, f: (key: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[f(k)] = v;
  return out;
}
