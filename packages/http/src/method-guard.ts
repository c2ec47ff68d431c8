import type { RequestHandler } from 'express';

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

interface DocumentedPath {
  pattern: RegExp;
  allow: string;
  methods: ReadonlySet<string>;
}

function compile(template: string, operations: Record<string, unknown>): DocumentedPath {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  const methods = new Set(
    Object.keys(operations)
      .filter((m) => HTTP_METHODS.includes(m))
      .map((m) => m.toUpperCase()),
  );
  // Express answers HEAD with the GET handler.
  if (methods.has('GET')) methods.add('HEAD');
  return { pattern: new RegExp(`^${escaped}/?$`), allow: [...methods].join(', '), methods };
}

/**
 * Answers 405 with an Allow header when a documented path is asked with a method its OpenAPI document
 * does not list, before authentication: the path exists, the method never will.
 */
export function methodGuard(paths: Record<string, Record<string, unknown>>): RequestHandler {
  const documented = Object.entries(paths).map(([template, operations]) => compile(template, operations));
  return (req, res, next) => {
    const path = documented.find((d) => d.pattern.test(req.path));
    if (!path || path.methods.has(req.method)) return next();
    res
      .status(405)
      .set('Allow', path.allow)
      .json({
        error: {
          code: 'METHOD_NOT_ALLOWED',
          message: `${req.method} is not allowed here; allowed: ${path.allow}`,
        },
      });
  };
}
