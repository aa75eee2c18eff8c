import type { MetricSampleView } from '../../contract/api-views';
import { lineChart, type Series } from '../chart';
import { h } from '../dom';

const CHARTS: { title: string; unit: string; series: Series[] }[] = [
  { title: 'Requests', unit: 'per second', series: [{ label: 'req/s', className: 'line-1', value: (s) => s.requestsPerSecond }] },
  {
    title: 'Latency',
    unit: 'ms',
    series: [
      { label: 'p50', className: 'line-1', value: (s) => s.p50Ms },
      { label: 'p99', className: 'line-2', value: (s) => s.p99Ms },
    ],
  },
  { title: 'Queue', unit: 'waiting requests', series: [{ label: 'queued', className: 'line-3', value: (s) => s.queueLength }] },
  { title: 'Workers', unit: 'live', series: [{ label: 'workers', className: 'line-4', value: (s) => s.workers }] },
];

function latest(samples: MetricSampleView[], series: Series): string {
  for (let i = samples.length - 1; i >= 0; i--) {
    const value = series.value(samples[i] as MetricSampleView);
    if (value !== null) return String(value);
  }
  return '—';
}

/** The four charts of the last hour, each with its latest values beside its title. */
export function charts(samples: MetricSampleView[]): HTMLElement {
  return h(
    'div',
    { class: 'charts' },
    ...CHARTS.map(({ title, unit, series }) =>
      h(
        'figure',
        { class: 'chart-card', 'data-chart': title },
        h(
          'figcaption',
          {},
          h('span', { class: 'chart-title' }, title, h('span', { class: 'muted small' }, ` ${unit}`)),
          h('span', { class: 'legend' }, ...series.map((line) => h('span', { class: `legend-item ${line.className}` }, `${line.label} ${latest(samples, line)}`))),
        ),
        lineChart(title, samples, series),
      ),
    ),
  );
}
