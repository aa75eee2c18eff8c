import type { Command } from 'commander';
import { SECRET_KEYS_API, type KeyRotationView } from '../../contract/key-value-view';
import { ApiClient } from '../../client/api-client';
import { registerKeyValueCommands } from '../key-values/key-value-commands';

/** `everai secret ...` (docs/secrets.md): values stored encrypted, shown only to their owner, in base64. */
export function registerSecretCommands(program: Command): void {
  const group = registerKeyValueCommands(program, 'Secret', 'secret', 'values in base64').description(
    'secrets: key/value items stored encrypted, read by apps through context.getSecret',
  );

  group
    .command('rotate-key')
    .description('(admin) make a new encryption key, encrypt every secret with it, and remove the old key')
    .action(async () => {
      const rotation = await new ApiClient().request<KeyRotationView>('POST', SECRET_KEYS_API);
      const removed = rotation.removed.length > 0 ? `; removed old key ${rotation.removed.join(', ')}` : '';
      console.log(`Secret key rotated to ${rotation.keyId}: ${rotation.resealed} secret version(s) encrypted again${removed}`);
    });
}
