import type { LogEntryView } from '../../contract/api-views';
import { isTerminal } from '../store/records';
import type { ApiDeps, ApiRouter } from './api';
import { logEntryViewSchema } from '../../contract/api-view-schemas';
import { logQuery, startStream, streamLogs, writeChunk } from './log-stream';

/**
 * `GET .../apps/NAME/logs[?follow=true][&since=TIME]`: the lines of every worker of the app the
 * server still has (terminated ones too, until their records are pruned), in the order received,
 * as NDJSON (one LogEntryView a line). Following, workers that start later join in, and the
 * answer lasts until the client goes or the app is deleted.
 */
export function registerAppLogRoutes(router: ApiRouter, deps: ApiDeps): void {
  const { store, apps, runtime } = deps;

  const answer = { description: 'One LogEntry a line', contentType: 'application/x-ndjson; charset=utf-8', itemSchema: logEntryViewSchema };
  const spec = {
    method: 'GET',
    path: '/api/apps/v1/namespaces/:ns/apps/:name/logs',
    tag: 'apps',
    summary: "The logs of an app's workers",
    query: logQuery,
    responses: { 200: answer },
  } as const;
  router.on(spec, async ({ user, res, params: { ns = '', name = '' }, query }) => {
    const app = await apps.find(user, ns, name);
    const signal = startStream(res, answer.contentType);
    await streamLogs(runtime, {
      follow: query.follow,
      since: query.since,
      sources: async () => {
        if (!(await store.apps.get(app.id))) return undefined;
        return (await store.workers.listByApp(app.id)).map((w) => ({ workerId: w.id, ended: isTerminal(w.status) }));
      },
      endWithSources: false,
      write: async (lines) => {
        // JSON needs text: bytes that are not UTF-8 show as U+FFFD here, and stay as printed in the log.
        const entries = lines.map((l): LogEntryView => ({ time: l.time, workerId: l.workerId, line: l.text.toString('utf8') }));
        await writeChunk(res, entries.map((e) => `${JSON.stringify(e)}\n`).join(''), signal);
      },
      signal,
    });
    res.end();
  });
}
