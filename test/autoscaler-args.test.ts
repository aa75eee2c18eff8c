import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EveraiError } from '../src/contract/errors';
import { resolveScalerArgs } from '../src/server/controller/autoscaler/autoscaler-args';
import type { KeyValueKind, KeyValueObject, KeyValueSource } from '../src/server/secrets/key-value-source';

// How a builtin autoscaler's arguments become numbers: defaults, and Placeholders read through
// the KeyValueSource contract (here a table in memory, as the secret service answers it).

function configmaps(data: Record<string, Record<string, string>>): KeyValueSource {
  return {
    read: async (_owner: string, kind: KeyValueKind, name: string): Promise<KeyValueObject> => {
      const found = kind === 'ConfigMap' ? data[name] : undefined;
      if (!found) throw new EveraiError('EVERAI_NOT_FOUND', `${kind} '${name}' not found`);
      return { name, version: 1, data: found };
    },
  };
}

const ph = (key: string) => ({ placeholder: { kind: 'ConfigMap' as const, name: 'cm', key } });

test('numbers as given, defaults for the rest', async () => {
  assert.deepEqual(await resolveScalerArgs({ kind: 'SimpleAutoScaler', args: { maxWorkers: 3 } }, 'u', undefined), {
    kind: 'SimpleAutoScaler',
    args: { minWorkers: 1, maxWorkers: 3, maxIdleTime: 60, scaleUpStep: 1, maxQueueSize: 2 },
  });
});

test('Placeholders are read from the owner configmap at each call', async () => {
  const data = { cm: { min_workers: '2', max_workers: ' 5 ' } };
  const setting = { kind: 'FreeWorkerAutoScaler' as const, args: { minWorkers: ph('min_workers'), maxWorkers: ph('max_workers') } };
  const first = await resolveScalerArgs(setting, 'u', configmaps(data));
  assert.equal(first.args.minWorkers, 2);
  assert.equal(first.args.maxWorkers, 5);
  data.cm.min_workers = '4';
  assert.equal((await resolveScalerArgs(setting, 'u', configmaps(data))).args.minWorkers, 4);
});

test('an argument that cannot be read says which and why', async () => {
  const cases: [KeyValueSource | undefined, Record<string, ReturnType<typeof ph> | number>, RegExp][] = [
    [undefined, { minWorkers: ph('min_workers') }, /^cannot read configmap 'cm': this server has no ConfigMap store$/],
    [configmaps({}), { minWorkers: ph('min_workers') }, /^ConfigMap 'cm' not found$/],
    [configmaps({ cm: {} }), { minWorkers: ph('min_workers') }, /^configmap 'cm' has no key 'min_workers'$/],
    [configmaps({ cm: { min_workers: 'two' } }), { minWorkers: ph('min_workers') }, /^configmap 'cm' key 'min_workers' is 'two', not a whole number$/],
    [configmaps({ cm: { step: '0' } }), { scaleUpStep: ph('step') }, /^scaleUpStep must be a whole number >= 1, got 0$/],
    [configmaps({ cm: { min_workers: '4' } }), { minWorkers: ph('min_workers'), maxWorkers: 3 }, /^minWorkers \(4\) is above maxWorkers \(3\)$/],
  ];
  for (const [source, args, message] of cases) {
    await assert.rejects(resolveScalerArgs({ kind: 'SimpleAutoScaler', args }, 'u', source), { message });
  }
});
