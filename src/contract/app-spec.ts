/**
 * What `App.toSpec()` produces: the JSON the CLI sends to the server to create or update an app.
 * Types only, so the server can import them without loading the SDK's classes.
 */

export type RouteAuth = 'private' | 'public';

export type PlaceholderKind = 'Secret' | 'ConfigMap';

/** A value the platform reads from a secret or configmap when it needs it. */
export interface PlaceholderDocument {
  placeholder: { kind: PlaceholderKind; name: string; key: string };
}

export interface ResourceRequestsDocument {
  cpuNum: number;
  memoryMb: number;
  gpuNum: number;
  gpuConstraints: GpuConstraintsDocument | null;
}

export interface GpuConstraintsDocument {
  /** GPU models the app can run on, e.g. `A100 80GB`; any model when empty. */
  models: string[];
}

export type AutoscalerKind = 'SimpleAutoScaler' | 'FreeWorkerAutoScaler';

export interface AutoscalerDocument {
  kind: AutoscalerKind;
  args: Record<string, number | PlaceholderDocument>;
}

/** Credentials for an image on another registry, as references to a secret's keys. */
export interface ImageAuthDocument {
  username: PlaceholderDocument;
  password: PlaceholderDocument;
}

export interface AppSpecDocument {
  name: string;
  /** The image reference as written (`get-start:v1`); the server resolves it to a digest. */
  image: string | null;
  imageAuth: ImageAuthDocument | null;
  concurrency: number;
  routeAuth: RouteAuth;
  readyTimeoutSeconds: number;
  /** Seconds a replaced worker may take to finish its requests before the platform cuts them. */
  maxDrainSeconds: number;
  /** Seconds a request may wait for a worker before a 503; left out: the server's default. */
  queueTimeoutSeconds?: number;
  volumeRequests: string[];
  secretRequests: string[];
  configmapRequests: string[];
  resourceRequests: ResourceRequestsDocument | null;
  autoscaler: AutoscalerDocument | null;
}
