import type { Router } from '../http/router';
import { isTerminal } from '../store/records';
import type { ApiDeps } from './api';
import { ownedWorker } from './owned-worker';

/** Workers by id, across apps: `/api/apps/v1/workers/...` (what `everai worker logs` calls). */
export function registerWorkerRoutes(router: Router, deps: ApiDeps): void {
  const { store, auth, runtime } = deps;

  router.on('GET', '/api/apps/v1/workers/:id/logs', async (req, res, { id = '' }, url) => {
    const user = await auth.require(req);
    const { worker } = await ownedWorker(store, user, id);
    const follow = url.searchParams.get('follow') === 'true';
    const stop = new AbortController();
    res.once('close', () => stop.abort());
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    // Following ends when the worker does: its last words are in the file by then.
    let finished = isTerminal(worker.status);
    const watch = setInterval(() => {
      void store.workers.get(id).then((w) => (finished = !w || isTerminal(w.status)));
    }, 1000);
    try {
      for await (const chunk of runtime.readLog(id, { follow, signal: stop.signal, done: () => finished })) {
        if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
      }
    } finally {
      clearInterval(watch);
      res.end();
    }
  });
}
