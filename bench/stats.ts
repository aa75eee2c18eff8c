/** The middle value (the upper one of an even count): the machine is noisy, so benchmarks report medians. */
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
