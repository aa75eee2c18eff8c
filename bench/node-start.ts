import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/server/free-port';
import { rssKb } from './process-memory';

/** How often the floor is polled: fine enough that polling adds little to a ~50 ms start. */
const POLL_MS = 2;

/**
 * The floor under any worker start: milliseconds from spawning a bare `node` that runs a trivial
 * `http.createServer` to its first 200 answer, polled from here as a readiness probe would.
 */
export async function bareNodeStartMs(): Promise<number> {
  return (await bareNode(0)).startMs;
}

/** Its resident memory once it answered and sat idle `idleMs`: the floor for an idle worker's. */
export async function bareNodeIdleRssKb(idleMs: number): Promise<number> {
  return (await bareNode(idleMs)).idleRssKb;
}

async function bareNode(idleMs: number): Promise<{ startMs: number; idleRssKb: number }> {
  const port = await freePort();
  const program = `require('node:http').createServer((req, res) => res.end('ok')).listen(${port}, '127.0.0.1')`;
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', program], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (await answers200(`http://127.0.0.1:${port}/`)) {
        const startMs = performance.now() - started;
        await sleep(idleMs);
        return { startMs, idleRssKb: rssKb([child.pid as number]) };
      }
      if (child.exitCode !== null) throw new Error(`node exited with ${child.exitCode} before it answered`);
      await sleep(POLL_MS);
    }
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.text();
    return res.status === 200;
  } catch {
    return false; // Not listening yet.
  }
}
