import type { PlaceholderDocument, PlaceholderKind } from '../contract/app-spec';
import { checkObjectName, invalid } from './option-checks';

export interface PlaceholderOptions {
  kind: PlaceholderKind;
}

/**
 * A value kept in a secret or configmap rather than in code (an autoscaler's limits, a registry
 * password). The platform reads it when it needs it, so changing the configmap changes the app
 * without a redeploy.
 */
export class Placeholder {
  readonly kind: PlaceholderKind;

  constructor(
    readonly name: string,
    readonly key: string,
    options: PlaceholderOptions,
  ) {
    checkObjectName(name, 'Placeholder name');
    if (typeof key !== 'string' || key === '') throw invalid(`Placeholder '${name}': key must be a non-empty string`);
    // Checked at run time too: the options come from JavaScript apps as well as TypeScript ones.
    if (options?.kind !== 'Secret' && options?.kind !== 'ConfigMap') {
      throw invalid(`Placeholder '${name}': kind must be 'Secret' or 'ConfigMap', got ${JSON.stringify(options?.kind)}`);
    }
    this.kind = options.kind;
  }

  toJSON(): PlaceholderDocument {
    return { placeholder: { kind: this.kind, name: this.name, key: this.key } };
  }
}

export type NumberOrPlaceholder = number | Placeholder;
