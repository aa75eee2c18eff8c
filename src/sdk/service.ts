import { HTTP_METHODS } from '../contract/http-methods';
import { invalid } from './option-checks';
import { compileRoutePath, type RoutePath } from './route-path';

/** A piece of a streamed response. */
export type StreamChunk = string | Uint8Array;

/**
 * What a handler may return: a `Response` as is; a string (text/plain); bytes
 * (application/octet-stream); `undefined` or `null` (204); an async iterable or a generator,
 * streamed chunk by chunk (text/event-stream unless a Response says otherwise); anything else is
 * sent as JSON.
 */
export type RouteResult =
  | Response
  | StreamChunk
  | AsyncIterable<StreamChunk>
  | Generator<StreamChunk, unknown, undefined>
  | object
  | number
  | boolean
  | null
  | undefined
  | void;

export interface RouteContext {
  /** The `{name}` segments of the route's path. */
  params: Record<string, string>;
}

/**
 * A route's handler. `req` is a web-standard Request whose body streams from the client, and whose
 * `signal` aborts when the client goes away before the answer is complete, so long work can stop.
 */
export type RouteHandler = (req: Request, ctx: RouteContext) => RouteResult | Promise<RouteResult>;

export interface RouteOptions {
  /** Default `['GET']`. */
  methods?: string[];
}

export interface Route {
  readonly path: RoutePath;
  readonly methods: readonly string[];
  readonly handler: RouteHandler;
}

/** Paths under this prefix belong to the platform (its readiness probe), not to apps. */
export const RESERVED_PATH_PREFIX = '/.well-known/everai/';

/** The app's HTTP routes. */
export class Service {
  readonly #routes: Route[] = [];

  route(path: string, handler: RouteHandler): void;
  route(path: string, options: RouteOptions, handler: RouteHandler): void;
  route(path: string, optionsOrHandler: RouteOptions | RouteHandler, maybeHandler?: RouteHandler): void {
    const [options, handler] =
      typeof optionsOrHandler === 'function' ? [{}, optionsOrHandler] : [optionsOrHandler ?? {}, maybeHandler];
    const compiled = compileRoutePath(path);
    if (path.startsWith(RESERVED_PATH_PREFIX)) throw invalid(`route path '${path}' is reserved for the platform`);
    if (typeof handler !== 'function') throw invalid(`route '${path}' has no handler function`);
    const methods = (options.methods ?? ['GET']).map((m) => String(m).toUpperCase());
    if (methods.length === 0) throw invalid(`route '${path}': methods is empty; give HTTP methods like 'GET'`);
    const unknown = methods.find((m) => !HTTP_METHODS.includes(m));
    if (unknown !== undefined) {
      throw invalid(`route '${path}': '${unknown}' is not an HTTP method; use ${HTTP_METHODS.join(', ')}`);
    }
    for (const existing of this.#routes) {
      const clash = existing.path.template === path && existing.methods.find((m) => methods.includes(m));
      if (clash) throw invalid(`route ${clash} ${path} is defined twice`);
    }
    this.#routes.push({ path: compiled, methods, handler });
  }

  /** The routes in the order they were defined, which is the order they are matched in. */
  get routes(): readonly Route[] {
    return this.#routes;
  }
}
