import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AppView, WorkerView } from '../src/contract/api-views';
import { EVERAI_BIN, REPO_ROOT, TEST_BUILD_CACHE } from './helpers/cli';
import { DEBIAN_IMAGE_MISSING, pushDebianPythonImage } from './helpers/debian-image';
import { usePlatform, type TestPlatform } from './helpers/platform';
import { PYTHON_IMAGE_MISSING } from './helpers/python';
import { waitFor } from './helpers/wait';

// Issue 14's README walk-through: the quickstarts' ```bash blocks, read from README.md and run
// line by line with bash, in order, as a newcomer at one terminal would, against a real server.
// Editing the README without keeping it working fails here, with the heading and line that broke.

/** The sections a newcomer follows step by step; the others show options (PostgreSQL, `npm test`). */
const WALKED = /^## (Quickstart|Several users|Secrets and configmaps)/;
/** A plain line gets this long; image builds are the slow ones. */
const LINE_TIMEOUT_MS = 5 * 60_000;

interface ReadmeLine {
  heading: string;
  /** 1-based, in README.md: what a failure names. */
  number: number;
  text: string;
  /** What its `# ...` comment says, the line's own account of what it does or prints. */
  comment: string;
}

function walkedLines(): ReadmeLine[] {
  const lines: ReadmeLine[] = [];
  let heading = '';
  let inBash = false;
  readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')
    .split('\n')
    .forEach((text, index) => {
      if (text.startsWith('## ')) heading = text;
      else if (text.startsWith('```')) inBash = text === '```bash';
      else if (inBash && WALKED.test(heading) && text.trim() !== '') {
        lines.push({ heading, number: index + 1, text, comment: /\s#\s(.*)$/.exec(text)?.[1] ?? '' });
      }
    });
  return lines;
}

const where = (line: ReadmeLine) => `README.md:${line.number} (${line.heading}): ${line.text}`;

/**
 * Lines a test cannot run, each with why. `npm ci` would even empty the checkout's node_modules,
 * so these are matched before anything runs.
 */
const SKIPS: { line: RegExp; why: string }[] = [
  { line: /^(npm (ci|start|link)|apt-get)\b/, why: 'the platform is built and running already, and the test puts `everai` on PATH' },
  { line: /^everai server\b/, why: "the test's own server is running already" },
];

/** Sections a machine may lack the tools for: skipped with the reason the other tests of those apps give. */
const SECTION_SKIPS: { heading: RegExp; why: string | false }[] = [
  { heading: /Python apps/, why: PYTHON_IMAGE_MISSING },
  { heading: /from `app.yaml`/, why: DEBIAN_IMAGE_MISSING },
];

/** What the walk knows beside the shell: the platform, and what earlier lines printed. */
interface Walk {
  platform: TestPlatform;
  env: NodeJS.ProcessEnv;
  /** The sandbox's stand-in for `/tmp`, where the quickstarts copy their apps. */
  tmp: string;
  /** `cd` carries from line to line, as in one terminal; OLDPWD too, for `cd -`. */
  cwd: string;
  oldCwd: string;
  /** Captured from `everai user create alice`. */
  aliceToken?: string;
}

/**
 * The README's placeholders and the values a reader would type instead. Each needs one: the
 * README cannot know a token, a port or a worker id, and `/tmp` is shared with other runs.
 */
async function substitute(text: string, walk: Walk): Promise<string> {
  let line = text
    .replace(/(^|\s)\/tmp\//g, `$1${walk.tmp}/`)
    // Every `everai_...` is the admin's, which the server printed; alice's is written `<alice's token>`.
    .replaceAll('everai_...', walk.platform.token)
    .replaceAll("<alice's token>", walk.aliceToken ?? "<alice's token, not captured yet>")
    .replaceAll('http://127.0.0.1:8480', walk.platform.url)
    // The test's server keeps its data under its temp home, not in ~/.cache/everai/server.
    .replaceAll('~/.cache/everai/server/admin-token', join(walk.platform.dataDir, 'admin-token'))
    // The README's default port (8866) may be taken on a shared machine; port 0 as every test.
    .replace(/\beverai app run\b/, 'everai app run --port 0')
    // -f: an HTTP error fails the line; a stream is cut after a while (see curlOk).
    .replace(/^curl /, 'curl -fsS --max-time 20 ');
  if (/\bWORKER\b/.test(line)) line = line.replace(/\bWORKER\b/g, await runningWorker(walk, 'manifest-python'));
  return line;
}

/**
 * What a line's comment says it prints or does, checked for the lines that matter: `output` on
 * what it printed, `after` on the platform once it (and its rollout) finished.
 */
const EXPECTED: { heading?: RegExp; line: RegExp; says: string; output?: RegExp; after?: (walk: Walk) => Promise<void> }[] = [
  { line: /^everai app list +# NAME/, says: 'get-start is listed, DEPLOYED', output: /^get-start\s+default\s+DEPLOYED\b/m },
  { line: /^everai worker list +# one worker, RUNNING FREE/, says: 'one worker, RUNNING FREE', output: /RUNNING\s+FREE/ },
  { line: /^everai app upgrade --image +# rolling out revision 2/, says: 'revision 2 serves the new text', output: /rolling out revision 2/, after: serves('get-start/sse?n=1&delay=0', 'hello world again 0\n\n') },
  { heading: /volumes/, line: /^everai image build && everai app create$/, says: 'show-volume serves the volume', after: serves('show-volume/show-volume', 'hello world\n') },
  { line: /^everai app upgrade --volume-requests/, says: 'the new volume revision serves', output: /rolling out revision 2/, after: serves('show-volume/show-volume', 'hello world, again\n') },
  { line: /^everai app prepare && everai app upgrade --volume-requests/, says: 'the new volume revision serves', output: /rolling out revision 2/, after: serves('show-volume-python/show-volume', 'hello world, once more\n') },
  { line: /^everai image build && everai app upgrade --image/, says: 'the upgraded Python app serves the new text', after: serves('get-start-python/sse?n=1&delay=0', 'hello world again 0\n\n') },
  { line: /^everai image build +# alice's own/, says: "the image goes to alice's space", output: /\/alice\/get-start:v2 / },
  { line: /^everai app list +# ROUTE_NAME get-start-alice/, says: "alice's app has the route name get-start-alice", output: /\bget-start-alice\b/ },
  { line: /^everai app create -n dev +# .*ROUTE_NAME get-start-dev/, says: 'the dev app has the route name get-start-dev', after: routeNamed('dev', 'get-start-dev') },
  { line: /^everai token rotate/, says: "alice's old token stops working", after: rejectsAlicesOldToken },
  { line: /^everai app update +# pins the new version/, says: 'the new secret serves', after: serves('show-config/secret/password', 'n3w\n') },
  { line: /^everai worker exec \S+ sh -c 'echo \$GREETING'/, says: "the worker's env", output: /^hello from app\.yaml$/m },
  // The terminal echoes what was typed, and the prompt may come before the answer: only the value shows the env.
  { line: /^everai worker exec -it \S+ sh/, says: 'a shell in the worker', output: /hello from app\.yaml/ },
];

/** Lines that wait for a person to type, and what the test types: stdin, as a terminal would pass it on. */
const TYPED: { line: RegExp; typed: string }[] = [{ line: /^everai worker exec -it\b/, typed: 'echo "$GREETING"\nexit\n' }];

/** Lines after which a reader waits for the rollout they started, before the next. */
const STARTS_ROLLOUT = /\beverai app (create|upgrade|update)\b/;
/** Lines that run until Ctrl-C: run for a moment, checked, then interrupted. */
const UNTIL_CTRL_C = /Ctrl-C/;

function serves(route: string, body: string): (walk: Walk) => Promise<void> {
  return async (walk) => {
    const response = await fetch(`${walk.platform.url}/api/apps/v1/routes/${route}`, { headers: { authorization: `Bearer ${walk.platform.token}` } });
    assert.equal(`${response.status} ${await response.text()}`, `200 ${body}`, `GET ${route}`);
  };
}

function routeNamed(namespace: string, routeName: string): (walk: Walk) => Promise<void> {
  return async (walk) => {
    const [app] = await cliJson<AppView[]>(walk, `app list -n ${namespace}`);
    assert.equal(app?.routeName, routeName);
  };
}

async function rejectsAlicesOldToken(walk: Walk): Promise<void> {
  const response = await fetch(`${walk.platform.url}/api/v1/whoami`, { headers: { authorization: `Bearer ${walk.aliceToken ?? ''}` } });
  assert.equal(response.status, 401);
}

/** A folder on PATH with `everai` in it: what `npm link` gives a reader. */
function everaiOnPath(home: string): string {
  const bin = join(home, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'everai'), `#!/bin/sh\nexec '${process.execPath}' '${EVERAI_BIN}' "$@"\n`);
  chmodSync(join(bin, 'everai'), 0o755);
  return bin;
}

/**
 * A newcomer's environment: a HOME of their own and `everai` on PATH, and no EVERAI_HOME or
 * EVERAI_ENDPOINT, so the README's `everai login` is what points the CLI at the server.
 */
function newcomerEnv(home: string): NodeJS.ProcessEnv {
  const { EVERAI_HOME: _home, EVERAI_ENDPOINT: _endpoint, ...inherited } = process.env;
  return {
    ...inherited,
    HOME: home,
    PATH: `${everaiOnPath(home)}:${process.env.PATH ?? ''}`,
    // The suite's shared build cache: the node base and Python base are built once per machine, not per walk.
    EVERAI_BUILD_CACHE: TEST_BUILD_CACHE,
  };
}

interface LineResult {
  code: number | null;
  output: string;
}

interface BashOptions {
  /** A Ctrl-C line: interrupted once this returns true. */
  untilReady?: ((output: string) => Promise<boolean>) | undefined;
  /** What a person would type into it. */
  typed?: string | undefined;
}

/** Runs `line` with bash in the walk's folder. */
function runBash(walk: Walk, line: string, { untilReady, typed }: BashOptions = {}): Promise<LineResult> {
  const state = join(walk.tmp, '.shell-state');
  rmSync(state, { force: true });
  const script = `cd -- '${walk.oldCwd}' && cd -- '${walk.cwd}' || exit 1\n${line}\nrc=$?\nprintf '%s\\n%s\\n' "$PWD" "$OLDPWD" > '${state}'\nexit $rc\n`;
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout or Ctrl-C reaches whatever the line started.
    const child = spawn('bash', ['-c', script], { env: walk.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    // Stdin at its end at once unless a person types: nothing waits for input that never comes.
    // A command may exit before it reads it; what it did not read is nobody's error (EPIPE).
    child.stdin.on('error', () => undefined);
    child.stdin.end(typed ?? '');
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const group = (signal: NodeJS.Signals) => child.pid && child.exitCode === null && child.signalCode === null && process.kill(-child.pid, signal);
    const timer = setTimeout(() => group('SIGKILL'), LINE_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const [cwd, oldCwd] = existsSync(state) ? readFileSync(state, 'utf8').split('\n') : [];
      if (cwd) walk.cwd = cwd;
      if (oldCwd) walk.oldCwd = oldCwd;
      resolve({ code, output });
    });
    if (untilReady) {
      const exited = () => child.exitCode !== null || child.signalCode !== null;
      void waitFor('the line to do what its comment says', async () => exited() || (await untilReady(output)), 120_000, 250)
        .catch(() => undefined)
        .then(() => {
          group('SIGINT');
          // Ctrl-C lets a server drain; one that does not stop must still not outlive the test.
          setTimeout(() => group('SIGKILL'), 30_000).unref();
        });
    }
  });
}

/** A Ctrl-C line's check: `app run` serves its app here, `app logs -f` prints what workers print. */
function readyCheck(line: string): ((output: string) => Promise<boolean>) | undefined {
  if (/\beverai app run\b/.test(line)) {
    return async (output) => {
      const url = /serving app \S+ at (\S+)/.exec(output)?.[1];
      return url !== undefined && (await (await fetch(`${url}/hello`)).text()) === 'hello world';
    };
  }
  if (/\beverai app logs\b.* -f\b/.test(line)) return async (output) => /^\d{4}-\d\d-\d\dT\S+\s+\w{22}\s+\S/m.test(output);
  return undefined;
}

async function cliJson<T>(walk: Walk, args: string): Promise<T> {
  const result = await runBash({ ...walk }, `everai ${args} -o json`);
  assert.equal(result.code, 0, `everai ${args}: ${result.output}`);
  return JSON.parse(result.output) as T;
}

async function runningWorker(walk: Walk, app: string): Promise<string> {
  const workers = await cliJson<WorkerView[]>(walk, `worker list ${app}`);
  return workers.find((w) => w.status === 'STATUS_RUNNING')?.id ?? assert.fail(`${app} has no running worker`);
}

/** As a reader waits: every app of the CLI's user DEPLOYED, with all its workers ready. */
async function waitRolledOut(walk: Walk): Promise<void> {
  let apps: AppView[] = [];
  await waitFor(
    'every app DEPLOYED',
    async () => {
      apps = await cliJson<AppView[]>(walk, 'app list');
      return apps.every((a) => a.status === 'DEPLOYED' && a.workers.ready === a.workers.desired);
    },
    180_000,
    500,
  ).catch((error: Error) => assert.fail(`${error.message}: ${JSON.stringify(apps.map((a) => [a.namespace, a.name, a.status, a.statusReason]))}`));
}

/** curl ran with --max-time: an SSE stream that sent something before it was cut has served. */
const curlOk = (line: string, result: LineResult) => result.code === 0 || (result.code === 28 && /\/sse\b/.test(line) && result.output.length > 0);

async function walkLine(walk: Walk, line: ReadmeLine): Promise<void> {
  const text = await substitute(line.text, walk);
  const untilCtrlC = UNTIL_CTRL_C.test(line.comment);
  const check = untilCtrlC ? (readyCheck(text) ?? assert.fail(`${where(line)}\nruns until Ctrl-C, and the test has no check of what it prints`)) : undefined;
  let ready = false;
  const typed = TYPED.find((t) => t.line.test(line.text))?.typed;
  const result = await runBash(walk, text, { untilReady: check && (async (output) => (ready = await check(output))), typed });
  const ok = untilCtrlC ? ready : text.startsWith('curl ') ? curlOk(text, result) : result.code === 0;
  assert.ok(ok, `${where(line)}\nexit ${result.code}${untilCtrlC ? ', and never did what its comment says' : ''}:\n${result.output}`);
  if (/^everai user create alice\b/.test(line.text)) walk.aliceToken = /everai_\S+/.exec(result.output)?.[0] ?? assert.fail(`${where(line)}\nprinted no token:\n${result.output}`);
  if (!untilCtrlC && STARTS_ROLLOUT.test(text)) await waitRolledOut(walk);
  for (const expected of EXPECTED.filter((e) => e.line.test(line.text) && (e.heading?.test(line.heading) ?? true))) {
    if (expected.output) assert.match(result.output, expected.output, `${where(line)}\nsays ${expected.says}:\n${result.output}`);
    await expected.after?.(walk).catch((error: Error) => assert.fail(`${where(line)}\nsays ${expected.says}, but: ${error.message}`));
  }
}

const platform = usePlatform();

// About two minutes with the suite's caches; the first run on a machine also debootstraps the
// Debian and Python bases.
test('the README quickstarts, every line in order, in a temp home', { timeout: 60 * 60_000 }, async (t) => {
  const home = join(platform.home, 'newcomer');
  const walk: Walk = { platform, env: newcomerEnv(home), tmp: join(home, 'tmp'), cwd: REPO_ROOT, oldCwd: REPO_ROOT };
  mkdirSync(walk.tmp, { recursive: true });
  let section = '';
  for (const line of walkedLines()) {
    if (line.heading !== section) {
      section = line.heading;
      // Each section starts from the checkout, where its `cp -r examples/...` copies from.
      walk.cwd = walk.oldCwd = REPO_ROOT;
      if (/from `app.yaml`/.test(section) && !DEBIAN_IMAGE_MISSING) await pushDebianPythonImage(platform);
    }
    const skip = SKIPS.find((s) => s.line.test(line.text))?.why ?? SECTION_SKIPS.find((s) => s.heading.test(line.heading) && s.why)?.why;
    if (skip) {
      t.diagnostic(`skipped ${where(line)}: ${skip}`);
      continue;
    }
    await walkLine(walk, line);
  }
});
