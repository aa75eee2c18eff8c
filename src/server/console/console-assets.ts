import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { EveraiError } from '../../contract/errors';

/** Where `npm run build` puts the console (scripts/build-console.js): dist/console, beside dist/src. */
export const CONSOLE_DIR = join(__dirname, '..', '..', '..', 'console');

/** The console's files under this prefix; its page itself at `/`. No API, gateway or registry path starts so. */
export const CONSOLE_PREFIX = '/console/';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Everything the console loads comes from this server (no CDN). An app's page on the same origin
 * can neither frame the console nor script a window of it it opened (the opener policy puts the
 * console in a browsing context of its own), so it never reaches the token in the console's memory.
 */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function isConsolePath(pathname: string): boolean {
  return pathname === '/' || pathname.startsWith(CONSOLE_PREFIX);
}

/** Serves the built console: `/` is its page, `/console/NAME` its script and style sheet. */
export function consoleAssets(dir = CONSOLE_DIR): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  const files = new Map<string, { body: Buffer; type: string }>();
  return async (req, res, url) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new EveraiError('EVERAI_BAD_REQUEST', `${req.method} is not allowed on ${url.pathname}`);
    const name = url.pathname === '/' ? 'index.html' : url.pathname.slice(CONSOLE_PREFIX.length);
    const dot = name.lastIndexOf('.');
    const type = CONTENT_TYPES[dot < 0 ? '' : name.slice(dot)];
    // Only plain names of the built files: never a path out of the folder.
    if (!/^[a-z0-9-]+\.[a-z]+$/.test(name) || !type) throw new EveraiError('EVERAI_NOT_FOUND', `no console file ${url.pathname}`);
    let file = files.get(name);
    if (!file) {
      const body = await readFile(join(dir, name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
        const hint = name === 'index.html' ? ': build it with npm run build' : '';
        throw new EveraiError('EVERAI_NOT_FOUND', `no console file ${url.pathname}${hint}`);
      });
      files.set(name, (file = { body, type }));
    }
    res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': file.type, 'content-length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}
