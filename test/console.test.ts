import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { appJson, cliOk, copyExampleApp, deployApp, editFile, waitDeployed } from './helpers/app-fixture';
import { useBrowser } from './helpers/browser';
import { readStream, startLoop } from './helpers/load';
import { usePlatform } from './helpers/platform';
import { push, volumeJson, volumeOk, writeFiles } from './helpers/volumes';

// The web console (docs/console.md) in a real browser, against the real server, workers and CLI.

let dir: string;
const platform = usePlatform({
  setup: async () => {
    dir = copyExampleApp(platform);
    // A route that prints a line to the worker's log, for the log view to show.
    editFile(join(dir, 'app.ts'), (text) =>
      text.replace(
        "app.service.route('/hello'",
        "app.service.route('/say', { methods: ['GET'] }, (req: Request) => {\n  console.log(new URL(req.url).searchParams.get('text'));\n  return 'said';\n});\n\napp.service.route('/hello'",
      ),
    );
    await deployApp(platform, dir);
    await cliOk(platform, ['configmap', 'create', 'settings', '--from-literal', 'MODEL=small', '--from-literal', 'THREADS=4']);
    await cliOk(platform, ['secret', 'create', 'api-keys', '--from-literal', 'OPENAI_KEY=never-shown-value']);
    await volumeOk(platform, ['volume', 'create', 'models']);
    writeFiles((await volumeJson(platform, 'models')).path, { 'weights/small.bin': Buffer.alloc(150_000, 1), 'tokenizer.json': '{"vocab": []}' });
    await push(platform, 'models');
  },
});
const browser = useBrowser();

/** A WAIT long enough for a rollout with image preparation on a slow CI machine. */
const ROLLOUT_MS = 90_000;

async function signIn(context: BrowserContext, token: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${platform.url}/`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-user]');
  return page;
}

const appRoute = (path: string) => `${platform.url}/api/apps/v1/routes/get-start${path}`;

async function say(text: string): Promise<void> {
  const res = await fetch(appRoute(`/say?text=${encodeURIComponent(text)}`), { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(await res.text(), 'said');
}

let admin: BrowserContext;
let page: Page;

test('a wrong token is refused; the right one signs in and stays only in the page: no cookie, no storage, no URL', async () => {
  admin = await browser.context();
  page = await admin.newPage();
  const opened = await page.goto(`${platform.url}/`);
  assert.equal(opened?.headers()['cross-origin-opener-policy'], 'same-origin', "an app's page cannot script a console window it opens");
  await browser.screenshot(page, 'sign-in');
  await page.fill('#token', 'everai_wrongwrongwrongwrong');
  await page.click('button[type=submit]');
  assert.match((await page.textContent('[role=alert]')) ?? '', /the token is not valid/);

  await page.fill('#token', platform.token);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-user="admin"]');
  // An app's page shares the console's origin: a cookie would go along with its scripts' calls,
  // and storage would be theirs to read. The token is in neither, nor in the URL.
  assert.deepEqual(await admin.cookies(), []);
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  assert.ok(!stored.includes(platform.token), 'the token is in no storage');
  assert.ok(!page.url().includes(platform.token), 'the token is never in a URL');
});

test('a reload forgets the token and asks for it again, then lands on the page the link named', async () => {
  const other = await browser.context();
  try {
    const fresh = await other.newPage();
    await fresh.goto(`${platform.url}/#/config`);
    await fresh.reload();
    await fresh.fill('#token', platform.token);
    await fresh.click('button[type=submit]');
    await fresh.waitForSelector('a[data-nav="config"].active');
    await fresh.reload();
    await fresh.waitForSelector('#token');
    assert.equal(await fresh.locator('[data-user]').count(), 0);
  } finally {
    await other.close();
  }
});

test('the apps page lists the app with its status, workers, revision and image, live', async () => {
  const row = page.locator('tr[data-app$="/get-start"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /DEPLOYED.*1\/1.*#1.*get-start:v1/);
  await browser.screenshot(page, 'apps');
});

test('the app page shows a hot upgrade started from the CLI live: old REMOVE beside new FREE, then old TERMINATED', async () => {
  const { namespace } = await appJson(platform, 'get-start');
  await page.goto(`${platform.url}/#/apps/${namespace}/get-start`);
  const firstRow = page.locator('tr[data-worker][data-detail="FREE"]');
  await firstRow.waitFor();
  const oldId = (await firstRow.getAttribute('data-worker')) as string;
  // Set on this document: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

  editFile(join(dir, 'app.ts'), (text) => text.replaceAll('hello again', 'hello world again'));
  editFile(join(dir, 'image_builder.ts'), (text) => text.replace("'get-start:v1'", "'get-start:v2'"));
  await cliOk(platform, ['image', 'build'], dir);
  // A stream open across the switch keeps the old worker draining (REMOVE) for about 12 s.
  const stream = readStream(appRoute('/sse?n=60&delay=200'), platform.token);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await cliOk(platform, ['app', 'upgrade', '--image'], dir);

  await page.waitForFunction(
    (old) => {
      const rows = Array.from(document.querySelectorAll<HTMLElement>('tr[data-worker]'));
      const removing = rows.some((r) => r.dataset.worker === old && r.dataset.detail === 'REMOVE');
      const fresh = rows.some((r) => r.dataset.worker !== old && r.dataset.detail === 'FREE');
      return removing && fresh;
    },
    oldId,
    { timeout: ROLLOUT_MS },
  );
  await browser.screenshot(page, 'app-upgrading');
  await page.waitForSelector(`tr[data-worker="${oldId}"][data-status="TERMINATED"]`, { timeout: ROLLOUT_MS });
  assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was never reloaded');
  assert.equal((await stream).status, 200);
  await waitDeployed(platform, 'get-start');
  await page.waitForSelector('tr[data-revision="2"]:not([data-worker]) .tag-primary');
  await browser.screenshot(page, 'app');
});

test('roll back from the button: the route then serves the old text', async () => {
  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('button[data-rollback="1"]');
  await page.waitForSelector('tr[data-revision="3"]:not([data-worker])', { timeout: ROLLOUT_MS });
  const app = await waitDeployed(platform, 'get-start');
  assert.equal(app.revision, 3);
  assert.equal(app.image, 'get-start:v1');
  const res = await fetch(appRoute('/sse?n=1&delay=0'), { headers: { authorization: `Bearer ${platform.token}` } });
  assert.equal(await res.text(), 'hello again 0\n\n');
});

test("a worker's log follows live: a line the app prints after the page opened shows up", async () => {
  // The rolled-back revision's worker: the one every request goes to now.
  const worker = page.locator('tr[data-worker][data-revision="3"][data-detail="FREE"]');
  await worker.waitFor({ timeout: ROLLOUT_MS });
  const id = (await worker.getAttribute('data-worker')) as string;
  await page.click(`a[href$="/workers/${id}"]`);
  const log = page.locator(`[data-log="${id}"]`);
  await log.locator('.log-line').first().waitFor();
  const line = `printed after the page opened ${Date.now()}`;
  await say(line);
  await log.getByText(line).waitFor();
  await browser.screenshot(page, 'worker');
});

test('volumes and secrets pages show names and keys, never a secret value', async () => {
  await page.goto(`${platform.url}/#/config`);
  await page.waitForSelector('tr[data-key-value="api-keys"]');
  await page.waitForSelector('tr[data-key-value="settings"]');
  const text = (await page.textContent('main')) ?? '';
  assert.match(text, /OPENAI_KEY/);
  assert.match(text, /THREADS/);
  assert.doesNotMatch(text, /never-shown-value/);
  await browser.screenshot(page, 'config');
  await page.goto(`${platform.url}/#/volumes`);
  await page.click('tr[data-volume="models"] a');
  await page.getByText('weights/small.bin').waitFor();
  assert.match((await page.textContent('main')) ?? '', /2 files, 146\.5 KiB/);
  await browser.screenshot(page, 'volume');
});

test('pause and resume from the app page', async () => {
  const { namespace } = await appJson(platform, 'get-start');
  await page.goto(`${platform.url}/#/apps/${namespace}/get-start`);
  await page.click('button[data-action="pause"]');
  await page.waitForSelector('button[data-action="resume"]');
  await page.waitForFunction(() => document.querySelectorAll('tr[data-worker][data-status="RUNNING"]').length === 0, undefined, { timeout: ROLLOUT_MS });
  await page.click('button[data-action="resume"]');
  await page.waitForSelector('tr[data-worker][data-detail="FREE"]', { timeout: ROLLOUT_MS });
  await waitDeployed(platform, 'get-start');
});

test('the charts show the requests of the last samples', async () => {
  const loop = startLoop(appRoute('/hello'), platform.token, 2);
  try {
    await page.waitForFunction(() => /req\/s [1-9]/.test(document.querySelector('[data-chart="Requests"] .legend')?.textContent ?? ''), undefined, { timeout: 30_000 });
    await page.waitForFunction(() => /p50 [0-9]/.test(document.querySelector('[data-chart="Latency"] .legend')?.textContent ?? ''));
    await browser.screenshot(page, 'app-charts');
  } finally {
    assert.deepEqual((await loop.stop()).failures, []);
  }
});

test("an admin creates a user whose token is shown once; that user sees none of the admin's apps", async () => {
  await page.goto(`${platform.url}/#/admin`);
  await page.fill('#name', 'carol');
  await page.click('form[data-form="create-user"] button');
  const token = ((await page.textContent('[data-token="carol"]', { timeout: 10_000 })) ?? '').trim();
  assert.match(token, /^everai_/);
  await page.waitForSelector('tr[data-user-row="carol"]');
  await browser.screenshot(page, 'admin');

  const other = await browser.context();
  try {
    const carol = await signIn(other, token);
    await carol.waitForSelector('td.empty');
    assert.equal(await carol.locator('tr[data-app]').count(), 0);
    assert.equal(await carol.locator('a[data-nav="admin"]').count(), 0, 'no admin page for an ordinary user');
    const { namespace } = await appJson(platform, 'get-start');
    await carol.goto(`${platform.url}/#/apps/${namespace}/get-start`);
    assert.match((await carol.textContent('[role=alert]', { timeout: 10_000 })) ?? '', /not found/);
    await carol.goto(`${platform.url}/#/config`);
    await carol.waitForSelector('td.empty');
    assert.equal(await carol.locator('tr[data-key-value]').count(), 0);
  } finally {
    await other.close();
  }
  await admin.close();
});
