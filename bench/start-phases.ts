import type { EventRecord, LogEntryView, WorkerView } from '../src/contract/api-views';
import type { TestPlatform } from '../test/helpers/platform';

/**
 * Where a worker's start went, read back from what the server recorded, on the wall clock this
 * process shares with the server (milliseconds since the start was asked for):
 * - created: the controller noticed (a request at zero workers, or a scale-up) and recorded the worker;
 * - launched: its image was ready and its container (or process) was spawned;
 * - serving: its program printed `serving app` (node booted, the SDK and the app loaded, prepare
 *   hooks run, the port open), as stamped when the server read it (within ~10 ms);
 * - ready: a probe answered 200 and the gateway was given the worker (event `is ready now`);
 * - answered: the first byte reached the client (a cold start) or the worker was seen FREE.
 */
export interface StartPhases {
  createdMs: number;
  launchedMs: number;
  servingMs: number;
  readyMs: number;
  answeredMs: number;
}

async function get<T>(platform: TestPlatform, path: string): Promise<T> {
  const res = await fetch(`${platform.url}/api/apps/v1/namespaces/default/apps/${path}`, { headers: { authorization: `Bearer ${platform.token}` } });
  if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  return (await res.json()) as T;
}

async function logLines(platform: TestPlatform, app: string): Promise<LogEntryView[]> {
  const res = await fetch(`${platform.url}/api/apps/v1/namespaces/default/apps/${app}/logs`, { headers: { authorization: `Bearer ${platform.token}` } });
  return (await res.text())
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LogEntryView);
}

/** The phases of worker `workerId`'s start, asked for at `sentAt` and answered at `answeredAt` (Date.now()). */
export async function startPhases(platform: TestPlatform, app: string, worker: WorkerView, sentAt: number, answeredAt: number): Promise<StartPhases> {
  const serving = (await logLines(platform, app)).find((l) => l.workerId === worker.id && l.line.includes('serving app'));
  const { events } = await get<{ events: EventRecord[] }>(platform, `${app}/events`);
  const ready = events.find((e) => e.message === `Worker/${worker.id} is ready now`);
  if (!serving || !ready || !worker.launchAt) throw new Error(`worker ${worker.id} left no trace of its start`);
  const since = (iso: string) => Date.parse(iso) - sentAt;
  return {
    createdMs: since(worker.createdAt),
    launchedMs: since(worker.launchAt),
    servingMs: since(serving.time),
    readyMs: since(ready.createdAt),
    answeredMs: answeredAt - sentAt,
  };
}

/** Table rows for `phases`: each step's time since the one before it, then the total. */
export function phaseRows(label: string, phases: StartPhases): { what: string; ms: number }[] {
  const steps: [string, number][] = [
    ['request to worker created (controller notices, records it)', phases.createdMs],
    ['to launched (image ready, container or process spawned)', phases.launchedMs],
    ['to serving (node, SDK and app loaded, prepare hooks, listening)', phases.servingMs],
    ['to ready (first 200 probe, handed to the gateway)', phases.readyMs],
    ['to answered (request dispatched, first byte back)', phases.answeredMs],
  ];
  return steps.map(([what, at], i) => ({ what: `${label}:   ${what}`, ms: at - (steps[i - 1]?.[1] ?? 0) }));
}
