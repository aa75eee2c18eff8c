import { EveraiError } from '../contract/errors';

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(?:\d+[smhd])+$/;

/** The `--since` option of the log commands. */
export const SINCE_OPTION = ['--since <when>', 'only lines received since then: a duration back from now (30s, 10m, 2h, 1d, 1h30m) or a time (2024-07-05T08:41:49Z)'] as const;

/** `--since` as the API takes it (an RFC 3339 time): a duration counts back from `now`. */
export function sinceTime(value: string, now = Date.now()): string {
  if (DURATION.test(value)) {
    let ms = 0;
    for (const [, amount, unit] of value.matchAll(/(\d+)([smhd])/g)) ms += Number(amount) * (UNIT_MS[unit as string] as number);
    return new Date(now - ms).toISOString();
  }
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new EveraiError('EVERAI_USAGE', `--since wants a duration (30s, 10m, 2h) or a time (2024-07-05T08:41:49Z), got '${value}'`);
  return new Date(time).toISOString();
}
