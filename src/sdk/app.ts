import type { AppSpecDocument, RouteAuth } from '../contract/app-spec';
import { FreeWorkerAutoScaler, SimpleAutoScaler, type AutoScaler } from './autoscalers';
import { withPrepareMode } from './context';
import { Image } from './image';
import { checkInteger, checkObjectName, invalid } from './option-checks';
import { ResourceRequests } from './resource-requests';
import { Service } from './service';
import { VolumeRequest } from './volume-request';

export interface AppOptions {
  image?: Image;
  volumeRequests?: VolumeRequest[];
  secretRequests?: string[];
  configmapRequests?: string[];
  resourceRequests?: ResourceRequests;
  autoscaler?: AutoScaler;
  /** Requests one worker serves at once. Default 1, as a GPU model serves one batch. */
  concurrency?: number;
  /** `private` (default): callers need a token allowed on the app; `public`: anyone may call. */
  routeAuth?: RouteAuth;
  /** Seconds a new worker may take to become ready (prepare hooks included) before it counts as failed. Default 600. */
  readyTimeoutSeconds?: number;
  /**
   * Seconds a worker being replaced or removed may take to finish the requests it holds (an SSE
   * stream runs to its end); past them the platform cuts what is left and stops it. Default 3600.
   */
  maxDrainSeconds?: number;
  /** Seconds a request may wait in the queue for a worker before it gets a 503. Default: the server's (60). */
  queueTimeoutSeconds?: number;
}

export type PrepareHook = () => unknown;

/** An app name is a DNS label (RFC 1123): it ends up in routes and host names. */
const APP_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Marks App objects so that `instanceof App` also holds for an App made by another copy of the
 * SDK (a user's own `node_modules/everai`), which serves just as well.
 */
const APP_BRAND = Symbol.for('everai.App');

function optionList<T>(value: readonly T[] | undefined, what: string, check: (item: T) => void): T[] {
  if (value === undefined) return [];
  // Checked as unknown: a JavaScript caller can pass anything, and narrowing `value` itself would make it any[].
  const checked: unknown = value;
  if (!Array.isArray(checked)) throw invalid(`${what} must be a list`);
  value.forEach(check);
  return [...value];
}

export class App {
  readonly service = new Service();
  readonly image: Image | null;
  readonly volumeRequests: readonly VolumeRequest[];
  readonly secretRequests: readonly string[];
  readonly configmapRequests: readonly string[];
  readonly resourceRequests: ResourceRequests | null;
  readonly autoscaler: AutoScaler | null;
  readonly concurrency: number;
  readonly routeAuth: RouteAuth;
  readonly readyTimeoutSeconds: number;
  readonly maxDrainSeconds: number;
  readonly queueTimeoutSeconds: number | null;
  readonly #prepareHooks: PrepareHook[] = [];

  static [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[APP_BRAND] === true;
  }

  constructor(
    readonly name: string,
    options: AppOptions = {},
  ) {
    if (typeof name !== 'string' || !APP_NAME.test(name)) {
      throw invalid(
        `app name '${String(name)}' is not valid: use at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit`,
      );
    }
    if (options.image !== undefined && !(options.image instanceof Image)) {
      throw invalid(`app '${name}': image must be Image.fromRegistry(...)`);
    }
    if (options.resourceRequests !== undefined && !(options.resourceRequests instanceof ResourceRequests)) {
      throw invalid(`app '${name}': resourceRequests must be new ResourceRequests({...})`);
    }
    const { autoscaler } = options;
    if (autoscaler !== undefined && !(autoscaler instanceof SimpleAutoScaler || autoscaler instanceof FreeWorkerAutoScaler)) {
      throw invalid(`app '${name}': autoscaler must be a SimpleAutoScaler or a FreeWorkerAutoScaler`);
    }
    if (options.routeAuth !== undefined && options.routeAuth !== 'private' && options.routeAuth !== 'public') {
      throw invalid(`app '${name}': routeAuth must be 'private' or 'public', got ${JSON.stringify(options.routeAuth)}`);
    }
    this.image = options.image ?? null;
    this.volumeRequests = optionList(options.volumeRequests, 'volumeRequests', (v) => {
      if (!(v instanceof VolumeRequest)) throw invalid(`app '${name}': volumeRequests must hold new VolumeRequest(...) items`);
    });
    this.secretRequests = optionList(options.secretRequests, 'secretRequests', (v) => checkObjectName(v, 'secret'));
    this.configmapRequests = optionList(options.configmapRequests, 'configmapRequests', (v) =>
      checkObjectName(v, 'configmap'),
    );
    this.resourceRequests = options.resourceRequests ?? null;
    this.autoscaler = options.autoscaler ?? null;
    this.concurrency = checkInteger(options.concurrency ?? 1, `app '${name}': concurrency`, 1);
    this.routeAuth = options.routeAuth ?? 'private';
    this.readyTimeoutSeconds = checkInteger(options.readyTimeoutSeconds ?? 600, `app '${name}': readyTimeoutSeconds`, 1);
    this.maxDrainSeconds = checkInteger(options.maxDrainSeconds ?? 3600, `app '${name}': maxDrainSeconds`, 1);
    this.queueTimeoutSeconds =
      options.queueTimeoutSeconds === undefined ? null : checkInteger(options.queueTimeoutSeconds, `app '${name}': queueTimeoutSeconds`, 1);
    Object.defineProperty(this, APP_BRAND, { value: true });
  }

  /** Adds a hook run before a worker takes traffic (and by `everai app prepare`), in order added. */
  prepare(hook: PrepareHook): void {
    if (typeof hook !== 'function') throw invalid(`app '${this.name}': prepare needs a function`);
    this.#prepareHooks.push(hook);
  }

  get prepareHooks(): readonly PrepareHook[] {
    return this.#prepareHooks;
  }

  /**
   * Runs the prepare hooks one after another; the first that fails stops the rest.
   * `onHook` hears of each before it runs (index from 0).
   */
  async runPrepareHooks(options: { prepareMode: boolean; onHook?: (hook: PrepareHook, index: number) => void }): Promise<void> {
    await withPrepareMode(options.prepareMode, async () => {
      for (const [index, hook] of this.#prepareHooks.entries()) {
        options.onHook?.(hook, index);
        await hook();
      }
    });
  }

  toSpec(): AppSpecDocument {
    return {
      name: this.name,
      image: this.image?.ref ?? null,
      imageAuth: this.image?.authDocument() ?? null,
      concurrency: this.concurrency,
      routeAuth: this.routeAuth,
      readyTimeoutSeconds: this.readyTimeoutSeconds,
      maxDrainSeconds: this.maxDrainSeconds,
      ...(this.queueTimeoutSeconds !== null ? { queueTimeoutSeconds: this.queueTimeoutSeconds } : {}),
      volumeRequests: this.volumeRequests.map((v) => v.name),
      secretRequests: [...this.secretRequests],
      configmapRequests: [...this.configmapRequests],
      resourceRequests: this.resourceRequests?.toJSON() ?? null,
      autoscaler: this.autoscaler?.toJSON() ?? null,
    };
  }
}
