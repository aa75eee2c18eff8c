import type { AppView } from '../../contract/api-views';

/** What an upgrade, update or rollback set in motion, in the words a user needs. */
export function reportRollout(before: AppView, after: AppView): void {
  if (after.revision === before.revision) {
    console.log(`App '${after.name}' is unchanged at revision ${after.revision}: nothing to roll out`);
    return;
  }
  const volumes = after.volumes.map((v) => `, volume ${v.name} ${v.revision}`).join('');
  console.log(`App '${after.name}': rolling out revision ${after.revision} (image ${after.image}${volumes}) hot, replacing revision ${before.revision}`);
  console.log('Old workers keep serving until new ones are ready; follow it with `everai worker list`.');
}
