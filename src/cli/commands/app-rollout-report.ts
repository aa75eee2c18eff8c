import type { AppView, RevisionView } from '../../contract/api-views';
import type { ApiClient } from '../../client/api-client';
import { appPath, type AppTarget } from '../app-target';

/** `--force` of the commands that roll out: what a failed revision ran is refused without it (docs/rollout.md). */
export const FORCE_OPTION = ['--force', 'roll out even what a revision that failed ran, as it was'] as const;

/**
 * What an upgrade, update or rollback set in motion, in the words a user needs: read after the
 * call, with which revisions serve now, so that "unchanged" is never said of an app still rolling
 * out, or still showing a failure.
 */
export async function reportRollout(api: ApiClient, target: AppTarget, before: AppView, after: AppView): Promise<void> {
  const { revisions } = await api.get<{ revisions: RevisionView[] }>(appPath(target, '/revisions'));
  console.log(describeRollout(before, after, revisions));
}

function describeRollout(before: AppView, after: AppView, revisions: readonly RevisionView[]): string {
  const app = `App '${after.name}'`;
  const others = revisions.filter((r) => r.serving && r.revision !== after.revision).map((r) => `revision ${r.revision}`);
  const alsoServing = others.length > 0 ? others.join(' and ') : undefined;
  const follow = 'follow it with `everai worker list`';
  if (after.revision > before.revision) {
    const volumes = after.volumes.map((v) => `, volume ${v.name} ${v.revision}`).join('');
    const replacing = alsoServing ? `, replacing ${alsoServing}` : '';
    return `${app}: rolling out revision ${after.revision} (image ${after.image}${volumes}) hot${replacing}\nOld workers keep serving until new ones are ready; ${follow}.`;
  }
  if (after.revision < before.revision) {
    return `${app}: back to revision ${after.revision}, which still serves: the rollout of revision ${before.revision} is called off and its workers go; ${follow}`;
  }
  if (before.status === 'FAILED' && after.status !== 'FAILED') {
    const failed = Math.max(0, ...revisions.filter((r) => r.failure).map((r) => r.revision));
    return `${app} stays on revision ${after.revision}, which serves: the failure of revision ${failed} (its rollout had halted) is cleared, nothing restarts`;
  }
  if (after.paused) return `${app} is unchanged at revision ${after.revision}: nothing to roll out (the app is paused)`;
  if (revisions.find((r) => r.revision === after.revision)?.serving) {
    if (!alsoServing) return `${app} is unchanged at revision ${after.revision}: nothing to roll out`;
    return `${app} is unchanged at revision ${after.revision}: its rollout is under way, ${alsoServing} still serves beside it; ${follow}`;
  }
  const meanwhile = alsoServing ? `; ${alsoServing} serves until one is` : '';
  return `${app} is unchanged at revision ${after.revision}: its rollout is under way, no worker of it is ready yet${meanwhile}; ${follow}`;
}
