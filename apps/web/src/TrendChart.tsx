import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { cleanText, truncateMiddle } from './safe';

export interface TrendSeries {
  label: string;
  color: string;
  values: Array<number | null>;
}

/** A vertical line at a moment (seconds), e.g. when an exclusion set was pushed or approved. */
export interface TrendMarker {
  t: number;
  kind: 'push' | 'approval';
  label: string;
  /** Longer text for the tooltip. */
  title?: string;
}

/**
 * Markers are DOM nodes over the canvas (text via textContent, so hostile
 * target names stay text), placed again on every redraw; markers outside the
 * plotted time span are left out (the page lists them).
 */
function placeMarkers(u: uPlot, markers: TrendMarker[], host: HTMLElement) {
  u.over.querySelectorAll('.trend-marker').forEach((n) => n.remove());
  const min = u.scales.x.min ?? -Infinity;
  const max = u.scales.x.max ?? Infinity;
  let shown = 0;
  markers.forEach((m, i) => {
    if (m.t < min || m.t > max) return;
    const x = u.valToPos(m.t, 'x');
    const line = document.createElement('div');
    // In the right half the label goes left of the line, so it is not cut off at the plot's edge.
    line.className = `trend-marker ${m.kind}${x > u.over.clientWidth / 2 ? ' flip' : ''}`;
    line.style.left = `${x}px`;
    line.dataset.kind = m.kind;
    const label = document.createElement('span');
    label.className = 'trend-marker-label';
    label.textContent = truncateMiddle(cleanText(m.label), 40);
    label.title = cleanText(m.title ?? m.label);
    // Neighbouring markers: stagger their labels so they stay readable.
    label.style.top = `${4 + (i % 3) * 18}px`;
    line.appendChild(label);
    u.over.appendChild(line);
    shown++;
  });
  host.dataset.markersShown = String(shown);
}

/** A time plot (uPlot, canvas): one x axis of bucket starts, one line per series, optional event markers. */
export function TrendChart({
  times,
  series,
  height = 320,
  bucketSeconds = 3600,
  markers = [],
}: {
  times: number[];
  series: TrendSeries[];
  height?: number;
  bucketSeconds?: number;
  markers?: TrendMarker[];
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(300, el.clientWidth),
      height,
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          fill: i === 0 ? `${s.color}22` : undefined,
          scale: 'n',
          points: { show: times.length < 60 },
        })),
      ],
      axes: [{}, { scale: 'n', size: 90 }],
      scales: {
        // One point alone would make uPlot span years: pad by a bucket on each side.
        // (From the times themselves: with a single point uPlot may pass a null span.)
        x: {
          time: true,
          range: () => {
            const lo = times[0] ?? 0;
            const hi = times[times.length - 1] ?? lo;
            return lo === hi ? [lo - bucketSeconds, hi + bucketSeconds] : [lo, hi];
          },
        },
        n: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      legend: { live: true },
      hooks: { draw: [(u) => placeMarkers(u, markers, el)] },
    };
    const plot = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const onResize = () => plot.setSize({ width: Math.max(300, el.clientWidth), height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [times, series, height, bucketSeconds, markers]);
  return <div ref={box} className="chart" style={{ minHeight: height + 20 }} data-testid="trend-chart" />;
}
