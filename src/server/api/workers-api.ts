import { isTerminal } from '../store/records';
import type { ApiDeps, ApiRouter } from './api';
import { booleanFlag } from './common-schemas';
import { logQuery, startStream, streamLogs, writeChunk } from './log-stream';
import { ownedWorker } from './owned-worker';

const NEWLINE = Buffer.from('\n');

/**
 * Workers by id, across apps: `/api/apps/v1/workers/...` (what `everai worker logs` calls). The log
 * is plain text, each line as the worker printed it; `timestamps=true` puts the time the server
 * received it before each (RFC 3339, UTC, ms, then a space).
 */
export function registerWorkerRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { store, runtime } = deps;

  const workerLogQuery = logQuery.extend({ timestamps: booleanFlag.describe('true: each line starts with the time the server received it') });
  const answer = { description: 'The log, a line as the worker printed it', contentType: 'text/plain; charset=utf-8' };
  router.on(
    { method: 'GET', path: '/api/apps/v1/workers/:id/logs', tag: 'workers', summary: "A worker's log", query: workerLogQuery, responses: { 200: answer } },
    async ({ user, res, params: { id = '' }, query }) => {
      await ownedWorker(store, user, id);
      const { since, timestamps } = query;
      const signal = startStream(res, answer.contentType);
      await streamLogs(runtime, {
        follow: query.follow,
        since,
        // Following ends when the worker does: its last words are in the file by then.
        sources: async () => {
          const worker = await store.workers.get(id);
          return worker && [{ workerId: id, ended: isTerminal(worker.status) }];
        },
        endWithSources: true,
        write: async (lines) => {
          const parts = lines.flatMap((l) => (timestamps ? [Buffer.from(`${l.time} `), l.text, NEWLINE] : [l.text, NEWLINE]));
          await writeChunk(res, Buffer.concat(parts), signal);
        },
        signal,
      });
      res.end();
    },
  );
}
