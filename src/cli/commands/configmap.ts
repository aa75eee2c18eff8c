import type { Command } from 'commander';
import { registerKeyValueCommands } from '../key-values/key-value-commands';

/** `everai configmap (cm) ...` (docs/secrets.md): like secrets, with plain values. */
export function registerConfigMapCommands(program: Command): void {
  registerKeyValueCommands(program, 'ConfigMap', 'configmap', 'values as plain text')
    .alias('cm')
    .description('configmaps: plain key/value items read by apps through context.getConfigMap');
}
