import { join } from 'node:path';
import { renderTable } from '../src/cli/output';
import { cliOk, copyExampleApp, deployApp, editFile, waitDeployed } from '../test/helpers/app-fixture';
import { startLoop } from '../test/helpers/load';
import { startTestPlatform } from '../test/helpers/platform';
import { median } from './stats';

/**
 * How fast an upgrade takes the old code out of service, and what it costs: for a trivial app
 * under 4 looping clients, the time from `everai app upgrade --image` to the last request an old
 * worker answered, over 20 upgrades, and the number of failed requests across them. The time a
 * fresh deploy takes to serve, measured in the same run, is the yardstick (a rollout must start
 * a worker too).
 */

const UPGRADES = 20;
const CLIENTS = 4;
const TARGET_MEDIAN_S = 1;

export async function run(): Promise<void> {
  const platform = await startTestPlatform();
  const dir = copyExampleApp(platform);
  try {
    const deployStart = Date.now();
    await deployApp(platform, dir);
    const deployS = (Date.now() - deployStart) / 1000;

    // When each version was last heard from: an old version's last answer ends its upgrade.
    const lastHeard = new Map<string, number>();
    const clients = startLoop(`${platform.url}/api/apps/v1/routes/get-start/hello`, platform.token, CLIENTS, {
      onAnswer: (body) => lastHeard.set(body, Date.now()),
    });
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
      switchS.push(((lastHeard.get(previous) ?? started) - started) / 1000);
      previous = body;
    }
    const load = await clients.stop();

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
    console.log(`requests answered: ${load.ok}, failed: ${load.failed}`);
    console.log('Targets');
    console.log(`  median upgrade to last old answer < ${TARGET_MEDIAN_S} s: ${med.toFixed(2)} s  ${med < TARGET_MEDIAN_S ? 'met' : 'MISSED'}`);
    console.log(`  failed requests across ${UPGRADES} upgrades = 0: ${load.failed}  ${load.failed === 0 ? 'met' : 'MISSED'}`);
  } finally {
    await platform.stop();
  }
}
