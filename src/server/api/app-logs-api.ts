import type { LogEntryView } from '../../contract/api-views';
import type { Router } from '../http/router';
import { isTerminal } from '../store/records';
import type { ApiDeps } from './api';
import { parseSince, startStream, streamLogs, writeChunk } from './log-stream';

/**
 * `GET .../apps/NAME/logs[?follow=true][&since=TIME]`: the lines of every worker of the app the
 * server still has (terminated ones too, until their records are pruned), in the order received,
 * as NDJSON (one LogEntryView a line). Following, workers that start later join in, and the
 * answer lasts until the client goes or the app is deleted.
 */
export function registerAppLogRoutes(router: Router, deps: ApiDeps): void {
  const { store, auth, apps, runtime } = deps;

  router.on('GET', '/api/apps/v1/namespaces/:ns/apps/:name/logs', async (req, res, { ns = '', name = '' }, url) => {
    const user = await auth.require(req);
    const app = await apps.find(user, ns, name);
    const since = parseSince(url.searchParams.get('since'));
    const signal = startStream(res, 'application/x-ndjson; charset=utf-8');
    await streamLogs(runtime, {
      follow: url.searchParams.get('follow') === 'true',
      since,
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
