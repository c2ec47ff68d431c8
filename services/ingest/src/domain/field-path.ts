const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** ['recipients', 2] → 'recipients[2]'; ['data', 'a.b'] → 'data["a.b"]'; [] → ''. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && IDENTIFIER.test(segment))
      out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}
