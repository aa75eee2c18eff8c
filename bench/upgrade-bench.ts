import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { renderTable } from '../src/cli/output';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed } from '../test/helpers/app-fixture';
import { startTestPlatform } from '../test/helpers/platform';

/**
 * How fast an upgrade takes the old code out of service, and what it costs: for a trivial app
 * under 4 looping clients, the time from `everai app upgrade --image` to the last request an old
 * worker answered, over 20 upgrades, and the number of failed requests across them. The time a
 * fresh deploy takes to serve, measured in the same run, is the yardstick (a rollout must start
 * a worker too).
 */

const UPGRADES = 20;
const CLIENTS = 4;
const TARGET_MEDIAN_S = 2;

interface Answer {
  at: number;
  body: string;
}

function startClients(url: string, token: string): { answers: Answer[]; failed: () => number; stop: () => Promise<void> } {
  const answers: Answer[] = [];
  let failed = 0;
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        const body = await res.text();
        if (res.status === 200) answers.push({ at: Date.now(), body });
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  const loops = Array.from({ length: CLIENTS }, loop);
  return {
    answers,
    failed: () => failed,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

export async function run(): Promise<void> {
  const platform = await startTestPlatform();
  const dir = copyExampleApp();
  try {
    const deployStart = Date.now();
    await deployApp(platform, dir);
    const deployS = (Date.now() - deployStart) / 1000;

    const clients = startClients(`${platform.url}/api/apps/v1/routes/get-start/hello`, platform.token);
    const switchS: number[] = [];
    let previous = 'hello world';
    for (let i = 1; i <= UPGRADES; i++) {
      const body = `hello world ${i}`;
      editFile(join(dir, 'app.ts'), (t) => t.replace(/'hello world( \d+)?'/, `'${body}'`));
      editFile(join(dir, 'image_builder.ts'), (t) => t.replace(/'get-start:[^']+'/, `'get-start:b${i}'`));
      await cliOk(platform, ['image', 'build'], dir);
      const started = Date.now();
      await cliOk(platform, ['app', 'upgrade', '--image'], dir);
      await waitDeployed(platform, 'get-start');
      const lastOld = Math.max(...clients.answers.filter((a) => a.body === previous).map((a) => a.at));
      switchS.push((lastOld - started) / 1000);
      previous = body;
    }
    await clients.stop();

    const med = median(switchS);
    console.log(`Hot upgrade: ${UPGRADES} image upgrades of a trivial app under ${CLIENTS} looping clients.`);
    console.log(
      renderTable(
        [
          { what: 'deploy to first serve (yardstick)', seconds: deployS.toFixed(2), ratio: '1.00' },
          { what: 'upgrade to last old answer, median', seconds: med.toFixed(2), ratio: (med / deployS).toFixed(2) },
          { what: 'upgrade to last old answer, max', seconds: Math.max(...switchS).toFixed(2), ratio: (Math.max(...switchS) / deployS).toFixed(2) },
        ],
        [
          { header: 'WHAT', value: (r) => r.what },
          { header: 'SECONDS', value: (r) => r.seconds },
          { header: 'RATIO_TO_DEPLOY', value: (r) => r.ratio },
        ],
      ),
    );
    console.log(`requests answered: ${clients.answers.length}, failed: ${clients.failed()}`);
    console.log('Targets');
    console.log(`  median upgrade to last old answer < ${TARGET_MEDIAN_S} s: ${med.toFixed(2)} s  ${med < TARGET_MEDIAN_S ? 'met' : 'MISSED'}`);
    console.log(`  failed requests across ${UPGRADES} upgrades = 0: ${clients.failed()}  ${clients.failed() === 0 ? 'met' : 'MISSED'}`);
  } finally {
    await platform.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
