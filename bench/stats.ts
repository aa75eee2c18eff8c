/** The middle value (the upper one of an even count): the machine is noisy, so benchmarks report medians. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

/** The run of median seconds (the upper one of an even count) among runs of one step. */
export function medianRun<T extends { seconds: number }>(runs: readonly T[]): T {
  const run = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)];
  if (run === undefined) throw new Error('no run to take the median of');
  return run;
}
