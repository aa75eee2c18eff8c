import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { parseBody, parseQuery } from './parse-input';
import { readJson } from './body';
import { decodeSegment } from './decode-segment';
import type { Answers, QuerySchema, RouteContext, RouteSpec } from './route-spec';
import { sendJson } from './respond';

export type Params = Record<string, string>;
export type Handler<Q extends QuerySchema | undefined, B extends z.ZodType | undefined, R extends Answers, U> = (context: RouteContext<Q, B, R, U>) => Promise<void> | void;

/** A route as the router calls it: its input already bound to the request. */
type BoundHandler = (req: IncomingMessage, res: ServerResponse, params: Params, url: URL) => Promise<void> | void;

interface RouteEntry {
  spec: RouteSpec;
  pattern: RegExp;
  names: string[];
  handler: BoundHandler;
}

/**
 * A small method + path router whose table is also the API's description (route-spec.ts).
 * Patterns use `:name` for a segment, or the start of one followed by literal text (custom methods
 * in the reference API's style: `:name:upgrade`), and `*name` for the rest of the path (which may
 * be empty); any other `:` is literal, so `token:rotate` is a fixed path.
 */
export class Router<User> {
  private readonly entries: RouteEntry[] = [];

  /** `authenticate`: the caller of a route that needs a token, or a 401; it runs before the handler. */
  constructor(private readonly authenticate: (req: IncomingMessage) => Promise<User>) {}

  on<Q extends QuerySchema | undefined = undefined, B extends z.ZodType | undefined = undefined, R extends Answers = Answers, A extends false | undefined = undefined>(
    spec: RouteSpec<Q, B, R> & { auth?: A },
    handler: Handler<Q, B, R, A extends false ? undefined : User>,
  ): this {
    const names: string[] = [];
    const source = spec.path
      .split('/')
      .map((segment) =>
        segment.replace(/^([:*])([a-zA-Z]+)|([.+?^${}()|[\]\\])/g, (_, kind?: string, name?: string, special?: string) => {
          if (special) return `\\${special}`;
          names.push(name as string);
          return kind === '*' ? '(.*)' : '([^/]+?)';
        }),
      )
      .join('/');
    const bound: BoundHandler = async (req, res, params, url) => {
      const context = {
        user: spec.auth === false ? undefined : await this.authenticate(req),
        req,
        res,
        params,
        // Read when the handler asks: a route that refuses every request (exec without Upgrade) never does.
        get query() {
          return spec.query ? parseQuery(spec.query, url.searchParams) : {};
        },
        body: async () => (spec.body ? parseBody(spec.body, await readJson(req, spec.bodyLimit)) : undefined),
        reply: (status: number, body: unknown) => sendJson(res, status, body),
      } as RouteContext<Q, B, R, A extends false ? undefined : User>;
      return handler(context);
    };
    this.entries.push({ spec, pattern: new RegExp(`^${source}$`), names, handler: bound });
    return this;
  }

  /** Every route's spec, in the order they were added: what the OpenAPI document describes. */
  specs(): RouteSpec[] {
    return this.entries.map((entry) => entry.spec);
  }

  /** The handler for a request, or undefined; `methodMismatch` tells a 405 from a 404. */
  match(method: string, pathname: string): { handler: BoundHandler; params: Params } | { methodMismatch: boolean } {
    let methodMismatch = false;
    for (const route of this.entries) {
      const found = route.pattern.exec(pathname);
      if (!found) continue;
      if (route.spec.method !== method) {
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
