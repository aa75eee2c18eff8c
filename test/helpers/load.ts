/** Looping HTTP clients and long streams, to prove that nothing fails while an app changes under them. */

import assert from 'node:assert/strict';

export interface LoadReport {
  ok: number;
  failed: number;
  failures: string[];
  bodies: Set<string>;
}

export interface LoopOptions {
  /** Sees each 200 answer as it arrives (a benchmark times them). */
  onAnswer?: (body: string) => void;
  /** Sent with each request, beside the token. */
  headers?: Record<string, string>;
}

/** `clients` loops of GET `url` until `stop()`; every non-200 or network error counts as failed. */
export function startLoop(url: string, token: string, clients: number, { onAnswer, headers }: LoopOptions = {}): { stop: () => Promise<LoadReport> } {
  const report: LoadReport = { ok: 0, failed: 0, failures: [], bodies: new Set() };
  let running = true;
  const loop = async () => {
    while (running) {
      try {
        const res = await fetch(url, { headers: { ...headers, authorization: `Bearer ${token}` } });
        const body = await res.text();
        if (res.status === 200) {
          report.ok++;
          report.bodies.add(body);
          onAnswer?.(body);
        } else {
          report.failed++;
          report.failures.push(`${res.status} ${body.slice(0, 200)}`);
        }
      } catch (error) {
        report.failed++;
        report.failures.push(String((error as Error).cause ?? error));
      }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}

export interface StreamReport {
  status: number;
  chunks: { at: number; text: string }[];
  text: string;
  error?: string;
}

/** Reads a streaming response to its end, timing every chunk as it arrives. */
export async function readStream(url: string, token: string): Promise<StreamReport> {
  const report: StreamReport = { status: 0, chunks: [], text: '' };
  try {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
    report.status = res.status;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      const text = decoder.decode(chunk, { stream: true });
      report.chunks.push({ at: Date.now(), text });
      report.text += text;
    }
  } catch (error) {
    report.error = String((error as Error).cause ?? error);
  }
  return report;
}

/**
 * The guide's image upgrade, as both SDKs' get-start apps play it: `streams` (60 events each)
 * were opened before the switch and each was served to its end by the old revision, in pieces;
 * the loop never failed and was answered by both revisions.
 */
export function assertUpgradeServedAll(report: LoadReport, streamed: readonly StreamReport[]): void {
  assert.deepEqual(report.failures, [], 'no request may fail during the upgrade');
  assert.deepEqual([...report.bodies].sort(), ['hello again 0\n\n', 'hello world again 0\n\n'], 'served by both revisions');
  for (const stream of streamed) {
    assert.equal(stream.error, undefined);
    assert.equal(stream.status, 200);
    assert.equal(stream.text.split('\n\n').filter(Boolean).length, 60);
    assert.match(stream.text, /^hello again 0\n\n[^]*hello again 59\n\n$/);
    assert.ok(stream.chunks.length > 1, 'a stream arrives in pieces, not in one answer at its end');
  }
}
