import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { containerSpec, CAPABILITIES, type ContainerInput } from '../src/server/runtime/container/container-spec';
import { resolveImageUser } from '../src/server/runtime/container/image-user';
import { expandVars } from '../src/server/runtime/local/expand-vars';

const input: ContainerInput = {
  rootfs: '/data/images/abc',
  hostname: 'W1',
  args: ['python3', 'server.py'],
  env: { PORT: '8080', SECRET: 'x' },
  cwd: '/app',
  user: { uid: 65534, gid: 65534 },
  binds: [{ source: '/data/volume-trees/v/000001-abc', destination: '/run/everai/volumes/models' }],
  netnsPath: '/run/netns/everai-3',
  cgroupsPath: '/everai/tag/W1',
  cpuNum: 1.5,
  memoryMb: 256,
  pidsLimit: 1024,
  scratchMb: 64,
  gpu: null,
};

test('a worker container: read-only image root, its own namespaces, no new privileges, fewer capabilities than Docker', () => {
  const spec = containerSpec(input);
  assert.deepEqual(spec.root, { path: '/data/images/abc', readonly: true });
  assert.deepEqual(spec.linux.namespaces.map((n) => n.type).sort(), ['ipc', 'mount', 'network', 'pid', 'uts']);
  assert.equal(spec.linux.namespaces.find((n) => n.type === 'network')?.path, '/run/netns/everai-3');
  assert.equal(spec.process.noNewPrivileges, true);
  for (const dropped of ['CAP_SYS_ADMIN', 'CAP_NET_RAW', 'CAP_MKNOD', 'CAP_NET_ADMIN', 'CAP_SYS_PTRACE']) assert.ok(!CAPABILITIES.includes(dropped), dropped);
  assert.deepEqual(spec.process.capabilities.bounding, CAPABILITIES);
  assert.deepEqual(spec.process.user, { uid: 65534, gid: 65534 });
  assert.deepEqual(spec.process.env.sort(), ['PORT=8080', 'SECRET=x']);
  assert.ok(spec.linux.maskedPaths.includes('/proc/kcore'));
});

test('resource requests become cgroup limits: CPU quota, memory without swap, pids', () => {
  const { resources } = containerSpec(input).linux;
  assert.deepEqual(resources.cpu, { quota: 150_000, period: 100_000 });
  assert.deepEqual(resources.memory, { limit: 256 * 1024 * 1024, swap: 256 * 1024 * 1024 });
  assert.deepEqual(resources.pids, { limit: 1024 });
  assert.deepEqual(resources.devices[0], { allow: false, access: 'rwm' });
});

test('mounts: volumes read-only, /tmp a scratch tmpfs of its size, /sys read-only, nothing else of the host', () => {
  const { mounts } = containerSpec(input);
  const volume = mounts.find((m) => m.destination === '/run/everai/volumes/models');
  assert.ok(volume?.options.includes('ro'));
  assert.equal(volume?.type, 'bind');
  assert.ok(mounts.find((m) => m.destination === '/tmp')?.options.includes('size=64m'));
  assert.ok(mounts.find((m) => m.destination === '/sys')?.options.includes('ro'));
  const binds = mounts.filter((m) => m.type === 'bind').map((m) => m.source);
  assert.deepEqual(binds, ['/data/volume-trees/v/000001-abc']);
});

test('GPU edits add their device nodes, allow rules, read-only libraries and env', () => {
  const spec = containerSpec({
    ...input,
    gpu: {
      devices: [{ path: '/dev/nvidia0', type: 'c', major: 195, minor: 0 }],
      deviceRules: [{ allow: true, type: 'c', major: 195, minor: 0, access: 'rwm' }],
      mounts: [{ destination: '/usr/lib/libcuda.so.1', type: 'bind', source: '/usr/lib/libcuda.so.1', options: ['ro', 'nosuid', 'nodev', 'rbind'] }],
      env: { CUDA_VISIBLE_DEVICES: '0' },
    },
  });
  assert.equal(spec.linux.devices[0]?.path, '/dev/nvidia0');
  assert.deepEqual(spec.linux.resources.devices.at(-1), { allow: true, type: 'c', major: 195, minor: 0, access: 'rwm' });
  assert.ok(spec.mounts.some((m) => m.destination === '/usr/lib/libcuda.so.1'));
  assert.ok(spec.process.env.includes('CUDA_VISIBLE_DEVICES=0'));
});

test('$(VAR) expands as Kubernetes does it', () => {
  const env = { PORT: '8080', A: 'x' };
  const cases: [string, string][] = [
    ['$(PORT)', '8080'],
    ['-p=$(PORT)', '-p=8080'],
    ['$(MISSING)', '$(MISSING)'],
    ['$$(PORT)', '$(PORT)'],
    ['$(A)$(A)', 'xx'],
    ['$PORT', '$PORT'],
  ];
  for (const [text, want] of cases) assert.equal(expandVars(text, env), want, text);
});

test("an image's User is resolved against its own /etc/passwd and /etc/group", async (t) => {
  const rootfs = mkdtempSync(join(tmpdir(), 'everai-user-'));
  t.after(() => rmSync(rootfs, { recursive: true, force: true }));
  mkdirSync(join(rootfs, 'etc'));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
  const cases: [string, { uid: number; gid: number }][] = [
    ['', { uid: 0, gid: 0 }],
    ['app', { uid: 1000, gid: 1001 }],
    ['app:staff', { uid: 1000, gid: 50 }],
    ['1000', { uid: 1000, gid: 1001 }],
    ['65534:65534', { uid: 65534, gid: 65534 }],
  ];
  for (const [user, want] of cases) assert.deepEqual(await resolveImageUser(rootfs, user), want, user);
  await assert.rejects(resolveImageUser(rootfs, 'nobody-here'), /not in its \/etc\/passwd/);
});
