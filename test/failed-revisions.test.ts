import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed, workersJson } from './helpers/app-fixture';
import type { RevisionView } from '../src/contract/api-views';
import { startLoop } from './helpers/load';
import { sample, scrape } from './helpers/metrics';
import { usePlatform } from './helpers/platform';
import { waitFor } from './helpers/wait';

// A new revision that cannot serve must never cost a request: its rollout halts and the app
// keeps (or goes back to) the revision that works.

let dir: string;
let goodApp: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform);
    editFile(join(dir, 'app.ts'), (t) => t.replace('image: Image.fromRegistry(IMAGE),', 'image: Image.fromRegistry(IMAGE),\n  readyTimeoutSeconds: 3,'));
    goodApp = readFileSync(join(dir, 'app.ts'), 'utf8');
    await deployApp(platform, dir);
  },
});

const BROKEN: { name: string; tag: string; breakage: string; reason: RegExp }[] = [
  // Only in a worker: `everai app upgrade` loads app.ts too, and would refuse a file that throws there.
  {
    name: 'throws at load',
    tag: 'bad-load',
    breakage: "if (process.env.EVERAI_WORKER_ID) throw new Error('boom in worker');",
    reason: /exited with code 1; last output: Error: app\.ts:\d+:\d+: boom in worker/,
  },
  {
    name: 'throws in a prepare hook',
    tag: 'bad-prepare',
    breakage: "app.prepare(function loadModel() { if (process.env.EVERAI_WORKER_ID) throw new Error('boom in prepare'); });",
    reason: /exited with code 1; last output: worker \w+: prepare hook 1\/1 loadModel failed: Error: boom in prepare/,
  },
  {
    name: 'is never ready',
    tag: 'bad-ready',
    breakage: 'app.prepare(function hang() { return new Promise<void>(() => setInterval(() => undefined, 1000)); });',
    reason: /not ready within 3 s; last output: worker \w+: prepare hook 1\/1 hang$/,
  },
  {
    name: 'crashes after 2 s of serving',
    tag: 'bad-later',
    breakage: 'app.prepare(() => { setTimeout(() => process.exit(3), 2000); });',
    reason: /exited with code 3/,
  },
];

for (const broken of BROKEN) {
  test(`a revision that ${broken.name} is halted while the old one keeps serving`, async () => {
    const before = await appJson(platform, 'get-start');
    const haltedBefore = sample(await scrape(platform), 'everai_rollouts_failed_total', { app: 'default/get-start' }) ?? 0;
    writeFileSync(join(dir, 'app.ts'), `${goodApp}\n${broken.breakage}\n`);
    editFile(join(dir, 'image_builder.ts'), (t) => t.replace(/'get-start:[^']+'/, `'get-start:${broken.tag}'`));
    await cliOk(platform, ['image', 'build'], dir);

    // One-write answers: a worker that dies mid-way cuts none of them half-way (which no proxy could retry).
    const loop = startLoop(`${platform.url}/api/apps/v1/routes/get-start/hello`, platform.token, 1);
    const upgraded = await cliOk(platform, ['app', 'upgrade', '--image'], dir);
    const revision = Number(/rolling out revision (\d+)/.exec(upgraded)?.[1]);
    const failed = await waitFor(
      'the rollout to halt',
      async () => {
        const app = await appJson(platform, 'get-start');
        return app.status === 'FAILED' && app.workers.ready === 1 && app.revision === before.revision ? app : undefined;
      },
      120_000,
      250,
    );
    const report = await loop.stop();
    assert.deepEqual(report.failures, [], 'no request fails while the broken revision is tried');
    assert.ok(report.ok > 0);
    const res = await fetch(`${platform.url}/api/apps/v1/routes/get-start/sse?n=1&delay=0`, {
      headers: { authorization: `Bearer ${platform.token}` },
    });
    assert.equal(await res.text(), 'hello again 0\n\n', 'the old code serves');
    assert.match(failed.statusReason, broken.reason);

    const events = await cliOk(platform, ['app', 'events', 'get-start']);
    const halted = new RegExp(`WARNING\\s+AppServer\\s+\\S+\\s+Rollout halted, revision ${before.revision} keeps serving: revision ${revision} failed 3 times in a row: .*`);
    assert.match(events, new RegExp(`${halted.source}${broken.reason.source}`, 'm'));
    const got = await cliOk(platform, ['app', 'get', 'get-start']);
    assert.match(got, /^Status:\s+FAILED$/m);
    assert.match(got, new RegExp(`^Reason:\\s+.*${broken.reason.source}`, 'm'));
    assert.equal(sample(await scrape(platform), 'everai_rollouts_failed_total', { app: 'default/get-start' }), haltedBefore + 1, 'the halt is counted once');

    // Each failure started one replacement; the third halted the rollout, and nothing starts after it.
    const failedWorkers = async () => (await workersJson(platform, 'get-start')).filter((w) => w.appRevision === revision).map((w) => w.id);
    const tried = await failedWorkers();
    assert.equal(tried.length, 3, `three workers of the failed revision: ${tried.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    assert.deepEqual(await failedWorkers(), tried, 'no worker started after the halt');
  });
}

async function revisions(): Promise<RevisionView[]> {
  return JSON.parse(await cliOk(platform, ['app', 'revisions', 'get-start', '-o', 'json'])) as RevisionView[];
}

test('app revisions marks the revision that serves apart from the ones that failed', async () => {
  const history = await revisions();
  assert.deepEqual(
    history.map((r) => [r.revision, r.serving, r.target, r.failure !== '']),
    [[1, true, true, false], ...BROKEN.map((_, i) => [i + 2, false, false, true])],
  );
  assert.match(history[1]?.failure ?? '', /^revision 2 failed 3 times in a row: its process exited with code 1; last output: Error: app\.ts:\d+:\d+: boom in worker$/);
  const table = await cliOk(platform, ['app', 'revisions', 'get-start']);
  assert.match(table, /^REVISION\s+IMAGE\s+IMAGE_DIGEST\s+VOLUMES\s+CREATED_AT\s+SERVING\s+STATUS\n/);
  assert.match(table, /\n\s+1\s+get-start:v1\s+sha256:\w+\s+\S+\s+yes\s+TARGET\n/);
  assert.match(table, /\n\s+2\s+get-start:bad-load\s+sha256:\w+\s+\S+\s+FAILED\n/);
});

test('a plain rollback after a halt stays on the revision that served before it, and ends the failure', async () => {
  const [serving] = await workersJson(platform, 'get-start', false);
  const out = await cliOk(platform, ['app', 'rollback', 'get-start']);
  assert.equal(out, `App 'get-start' stays on revision 1, which serves: the failure of revision ${BROKEN.length + 1} (its rollout had halted) is cleared, nothing restarts\n`);
  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.revision, 1);
  assert.equal(app.statusReason, '');
  assert.deepEqual((await workersJson(platform, 'get-start', false)).map((w) => w.id), [serving?.id], 'nothing restarted');
  assert.match(await cliOk(platform, ['app', 'events', 'get-start']), /NORMAL\s+AppServer\s+\S+\s+Failure of revision \d+ cleared by rollback to revision 1: revision 1 serves on/);
});

test('app update during a rollout says it is under way; a plain rollback calls it off, back to the revision that still serves', async () => {
  // Never ready, and given all the time in the world: the rollout stays under way.
  const slowApp = goodApp.replace('readyTimeoutSeconds: 3', 'readyTimeoutSeconds: 3600');
  writeFileSync(join(dir, 'app.ts'), `${slowApp}\napp.prepare(function warmUp() { return new Promise<void>(() => setInterval(() => undefined, 1000)); });\n`);
  editFile(join(dir, 'image_builder.ts'), (t) => t.replace(/'get-start:[^']+'/, "'get-start:slow'"));
  await cliOk(platform, ['image', 'build'], dir);
  const slow = BROKEN.length + 2;
  assert.match(await cliOk(platform, ['app', 'update'], dir), new RegExp(`rolling out revision ${slow} \\(image get-start:slow\\) hot, replacing revision 1\n`));
  assert.equal(
    await cliOk(platform, ['app', 'update'], dir),
    `App 'get-start' is unchanged at revision ${slow}: its rollout is under way, no worker of it is ready yet; revision 1 serves until one is; follow it with \`everai worker list\`\n`,
  );

  const out = await cliOk(platform, ['app', 'rollback', 'get-start']);
  assert.equal(out, `App 'get-start': back to revision 1, which still serves: the rollout of revision ${slow} is called off and its workers go; follow it with \`everai worker list\`\n`);
  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.revision, 1);
  const called = (await workersJson(platform, 'get-start')).filter((w) => w.appRevision === slow);
  assert.deepEqual(called.map((w) => w.status), ['STATUS_TERMINATED']);
  assert.equal((await revisions()).find((r) => r.revision === slow)?.failure, '', 'called off is not failed');
});

test('rolling out again what a failed revision ran is refused without --force, and done with it', async () => {
  // get-start:bad-load still names the image revision 2 ran.
  editFile(join(dir, 'image_builder.ts'), (t) => t.replace(/'get-start:[^']+'/, "'get-start:bad-load'"));
  for (const command of [['app', 'upgrade', '--image'], ['app', 'update']]) {
    const refused = await platform.cli(command, { cwd: dir });
    assert.equal(refused.code, 5, `everai ${command.join(' ')}: ${refused.stderr}`);
    assert.match(
      refused.stderr,
      /^Error: app 'get-start' would run exactly what its revision 2 ran \(image get-start:bad-load = sha256:\w+\), and that failed: revision 2 failed 3 times in a row: .*boom in worker; pass --force to roll it out again anyway\n$/,
    );
  }
  assert.equal((await appJson(platform, 'get-start')).revision, 1, 'nothing rolled out');

  const forced = await cliOk(platform, ['app', 'upgrade', '--image', '--force'], dir);
  const retry = BROKEN.length + 3;
  assert.match(forced, new RegExp(`rolling out revision ${retry} \\(image get-start:bad-load\\) hot, replacing revision 1\n`));
  await waitFor('the retry halted', async () => {
    const app = await appJson(platform, 'get-start');
    return app.status === 'FAILED' && app.revision === 1 && app.statusReason.startsWith(`revision ${retry} failed 3 times in a row`);
  });
  assert.ok((await revisions()).find((r) => r.revision === retry)?.failure, `revision ${retry} failed too`);
});

test('the next good upgrade clears the failure', async () => {
  writeFileSync(join(dir, 'app.ts'), goodApp.replaceAll('hello again', 'hello world again'));
  editFile(join(dir, 'image_builder.ts'), (t) => t.replace(/'get-start:[^']+'/, "'get-start:fixed'"));
  await cliOk(platform, ['image', 'build'], dir);
  await cliOk(platform, ['app', 'upgrade', '--image'], dir);
  const app = await waitFor('DEPLOYED again', async () => {
    const a = await appJson(platform, 'get-start');
    return a.status === 'DEPLOYED' ? a : undefined;
  });
  assert.equal(app.statusReason, '');
});
