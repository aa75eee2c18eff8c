/** The SDK an app imports as `everai`. */
export { App, type AppOptions, type PrepareHook } from './app';
export type { AppSpecDocument, RouteAuth } from '../contract/app-spec';
export {
  FreeWorkerAutoScaler,
  SimpleAutoScaler,
  type AutoScaler,
  type AutoScalerBaseOptions,
  type FreeWorkerAutoScalerOptions,
  type SimpleAutoScalerOptions,
} from './autoscalers';
export { context, type Context, type KeyValues, type VolumeInfo } from './context';
export { Image, type ImageOptions, type RegistryAuth } from './image';
export { Placeholder, type PlaceholderOptions } from './placeholder';
export { ResourceRequests, type GpuConstraints, type ResourceRequestsOptions } from './resource-requests';
export {
  Service,
  type RouteContext,
  type RouteHandler,
  type RouteOptions,
  type RouteResult,
  type StreamChunk,
} from './service';
export { VolumeRequest } from './volume-request';
