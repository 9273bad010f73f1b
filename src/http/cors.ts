import type { IncomingMessage, ServerResponse } from 'node:http';

/** The request headers a frontend may send: its token, JSON, Apollo's preflight marker, trace and request ids. */
const ALLOWED_HEADERS = 'authorization, content-type, apollo-require-preflight, traceparent, x-request-id';
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/** What a page may read of an answer besides the CORS-safelisted headers. */
const EXPOSED_HEADERS = 'x-request-id, retry-after';

/**
 * Answers /graphql's CORS for the origins of CORS_ORIGINS: an allowed origin's preflight gets 204
 * with what it may send, and its answers carry Access-Control-Allow-Origin; any other origin gets
 * neither, so its page cannot read an answer. No credentials mode: tokens travel in Authorization,
 * never in cookies. Returns true when it answered the request (a preflight).
 */
export function corsHandler(origins: readonly string[], maxAgeSeconds: number): (req: IncomingMessage, res: ServerResponse) => boolean {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  return (req, res) => {
    // The answer depends on Origin: a shared cache must not hand one origin's answer to another.
    res.setHeader('vary', 'Origin');
    const origin = req.headers.origin;
    const ok = origin !== undefined && (anyOrigin || allowed.has(origin));
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (ok) {
      res.setHeader('access-control-allow-origin', anyOrigin ? '*' : origin);
      res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
    }
    if (!preflight) return false;
    if (ok) {
      res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
      res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
      res.setHeader('access-control-max-age', String(maxAgeSeconds));
    }
    res.statusCode = ok ? 204 : 403;
    res.end();
    return true;
  };
}
