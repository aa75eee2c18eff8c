import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGpuCsv, type MachineResources } from '../src/server/resources/machine-resources';
import { checkFits } from '../src/server/resources/resource-fit';
import { GpuAssigner } from '../src/server/runtime/local/gpu-assigner';
import { DEFAULT_RESOURCES } from '../src/server/store/revision-spec-defaults';

// What `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader,nounits` prints.
const SMI = '0, NVIDIA H100 80GB HBM3, 81559\n1, NVIDIA H100 80GB HBM3, 81559\n2, NVIDIA A10, 23028\n';
const gpus = parseGpuCsv(SMI);
const machine: MachineResources = { region: 'local', cpu: { model: 'x', count: 8 }, memoryMb: 32_000, gpus };

test('nvidia-smi CSV becomes the GPU list; anything else is skipped', () => {
  assert.deepEqual(gpus[2], { index: 2, model: 'NVIDIA A10', memoryMb: 23028 });
  assert.equal(gpus.length, 3);
  assert.deepEqual(parseGpuCsv('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.\n'), []);
});

test('a request that fits one worker passes; one no worker could get names what it asked and what there is', () => {
  checkFits(machine, { ...DEFAULT_RESOURCES, cpuNum: 8, gpuNum: 2, gpuConstraints: { models: ['H100'] } });
  assert.throws(() => checkFits(machine, { ...DEFAULT_RESOURCES, gpuNum: 2, gpuConstraints: { models: ['A10'] } }), {
    code: 'EVERAI_RESOURCES_UNAVAILABLE',
    message:
      'no machine can run a worker of this app: it asks for 2 GPUs of model A10 (the machine has NVIDIA H100 80GB HBM3, NVIDIA H100 80GB HBM3, NVIDIA A10); see `everai resources`',
  });
  assert.throws(() => checkFits({ ...machine, gpus: [] }, { ...DEFAULT_RESOURCES, cpuNum: 9, gpuNum: 3 }), {
    message: 'no machine can run a worker of this app: it asks for 9 CPUs (the machine has 8) and 3 GPUs (the machine has none); see `everai resources`',
  });
});

test('each worker sees the matching GPUs fewest workers use; none when it asks for none', () => {
  const assigner = new GpuAssigner(gpus);
  assert.equal(assigner.assign('w0', DEFAULT_RESOURCES), '');
  const h100 = { ...DEFAULT_RESOURCES, gpuNum: 1, gpuConstraints: { models: ['H100'] } };
  assert.equal(assigner.assign('w1', h100), '0');
  assert.equal(assigner.assign('w2', h100), '1');
  assert.equal(assigner.assign('w3', { ...DEFAULT_RESOURCES, gpuNum: 2 }), '2,0');
  assigner.release('w2');
  assert.equal(assigner.assign('w4', h100), '1', 'the GPU its last user released');
});

test('workers adopted after a restart keep their GPUs: new workers get the others first', () => {
  const assigner = new GpuAssigner(gpus);
  assigner.adopt('before-restart', '0');
  assigner.adopt('no-gpu', '');
  assigner.adopt('gone-gpu', '7');
  const h100 = { ...DEFAULT_RESOURCES, gpuNum: 1, gpuConstraints: { models: ['H100'] } };
  assert.equal(assigner.assign('new', h100), '1');
});
