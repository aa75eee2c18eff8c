import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeSegment } from './decode-segment';

export type Params = Record<string, string>;
export type Handler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => Promise<void> | void;

interface RouteEntry {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/**
 * A small method + path router. Patterns use `:name` for one whole segment and `*name` for the
 * rest of the path (which may be empty); a `:` inside a segment is literal, so `token:rotate` is a
 * fixed path. Custom methods on a named object (`NAME:upgrade`) arrive inside one segment.
 */
export class Router {
  private readonly routes: RouteEntry[] = [];

  on(method: string, path: string, handler: Handler): this {
    const names: string[] = [];
    const source = path
      .split('/')
      .map((segment) =>
        segment.replace(/^([:*])([a-zA-Z]+)$|([.+?^${}()|[\]\\])/g, (_, kind?: string, name?: string, special?: string) => {
          if (special) return `\\${special}`;
          names.push(name as string);
          return kind === '*' ? '(.*)' : '([^/]+?)';
        }),
      )
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /** The handler for a request, or undefined; `methodMismatch` tells a 405 from a 404. */
  match(method: string, pathname: string): { handler: Handler; params: Params } | { methodMismatch: boolean } {
    let methodMismatch = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (route.method !== method) {
        methodMismatch = true;
        continue;
      }
      const params: Params = {};
      route.names.forEach((name, i) => (params[name] = decodeSegment(found[i + 1] ?? '')));
      return { handler: route.handler, params };
    }
    return { methodMismatch };
  }
}
