import type { MetricSampleView } from '../contract/api-views';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const HEIGHT = 120;
const PAD = { left: 36, right: 8, top: 10, bottom: 18 };

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

export interface Series {
  label: string;
  className: string;
  value: (sample: MetricSampleView) => number | null;
}

/** A round top for the y axis: 1, 2 or 5 times a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * power >= value) as number) * power;
}

function shortNumber(value: number): string {
  if (value >= 1000) return `${Math.round(value / 100) / 10}k`;
  return String(Math.round(value * 100) / 100);
}

/**
 * A line chart of the last hour: x is time (now at the right edge), y starts at 0. A sample whose
 * value is null (no request in that interval, for a latency) breaks the line.
 */
export function lineChart(title: string, samples: MetricSampleView[], series: Series[], now = Date.now()): SVGSVGElement {
  const chart = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': `${title} over the last hour` });
  const span = 3600_000;
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const values = samples.flatMap((s) => series.map((line) => line.value(s) ?? 0));
  const top = niceMax(Math.max(0, ...values));
  const x = (at: string) => PAD.left + innerW * (1 - (now - Date.parse(at)) / span);
  const y = (value: number) => PAD.top + innerH * (1 - value / top);
  for (const fraction of [0, 0.5, 1]) {
    const at = y(top * fraction);
    chart.append(svg('line', { x1: PAD.left, x2: WIDTH - PAD.right, y1: at, y2: at, class: 'grid' }));
    const label = svg('text', { x: PAD.left - 4, y: at + 3, class: 'axis', 'text-anchor': 'end' });
    label.textContent = shortNumber(top * fraction);
    chart.append(label);
  }
  for (const [text, anchor, at] of [['−60 min', 'start', PAD.left], ['−30', 'middle', PAD.left + innerW / 2], ['now', 'end', WIDTH - PAD.right]] as const) {
    const label = svg('text', { x: at, y: HEIGHT - 4, class: 'axis', 'text-anchor': anchor });
    label.textContent = text;
    chart.append(label);
  }
  for (const line of series) {
    let path = '';
    let pen = 'M';
    for (const sample of samples) {
      const value = line.value(sample);
      if (value === null) {
        pen = 'M';
        continue;
      }
      path += `${pen}${x(sample.at).toFixed(1)},${y(value).toFixed(1)} `;
      pen = 'L';
    }
    if (path) chart.append(svg('path', { d: path, class: `line ${line.className}` }));
  }
  return chart;
}
