import type { Registry } from 'prom-client';

/** One line of the exposition: a bucket (its labels with `le`), the sum or the count. */
export interface HistogramValue<L extends string> {
  labels: Record<L, string> & { le?: number | '+Inf' };
  value: number;
  metricName: string;
}

interface Series<L extends string> {
  labels: Record<L, string>;
  /** Observations per bucket (not cumulative), the last one above every bound (+Inf). */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A Prometheus histogram, exposed as prom-client's own (`_bucket` with `le`, `_sum`, `_count`), whose
 * `observe` costs a map lookup: the request histograms take an observation for every request the
 * gateway or HAProxy serves, tens of thousands a second, where prom-client's checks and hashing
 * of the labels on each call cost more than the rest of a request's bookkeeping.
 */
export class BulkHistogram<L extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private series = new Map<string, Series<L>>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly L[],
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /**
   * `value` observed for these labels (every one of labelNames). `key` is what identifies them,
   * the label values joined with NUL in labelNames' order, for a caller that has it already.
   */
  observe(labels: Record<L, string>, value: number, key = this.keyOf(labels)): void {
    let series = this.series.get(key);
    if (!series) this.series.set(key, (series = { labels: { ...labels }, buckets: new Array<number>(this.upperBounds.length + 1).fill(0), sum: 0, count: 0 }));
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > (this.upperBounds[bucket] as number)) bucket++;
    series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
    series.sum += value;
    series.count++;
  }

  private keyOf(labels: Record<L, string>): string {
    let key = '';
    for (const name of this.labelNames) key = key === '' ? labels[name] : `${key}\u0000${labels[name]}`;
    return key;
  }

  /** What prom-client's registry reads of a metric to expose it. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HistogramValue<L>[] }> {
    const values: HistogramValue<L>[] = [];
    for (const { labels, buckets, sum, count } of this.series.values()) {
      let cumulative = 0;
      buckets.forEach((observed, i) => {
        cumulative += observed;
        const le = this.upperBounds[i] ?? '+Inf';
        values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels, value: sum, metricName: `${this.name}_sum` }, { labels, value: count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  reset(): void {
    this.series = new Map();
  }
}
