/** Placeholder for the worker runtime interface. */
export interface Runtime {
  readonly kind: string;
}
