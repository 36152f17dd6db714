import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface TrendSeries {
  label: string;
  color: string;
  values: Array<number | null>;
}

/** A time plot (uPlot, canvas): one x axis of bucket starts, one line per series. */
export function TrendChart({ times, series, height = 320, bucketSeconds = 3600 }: { times: number[]; series: TrendSeries[]; height?: number; bucketSeconds?: number }) {
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
        x: { time: true, range: (_u, min, max) => (min === max ? [min - bucketSeconds, max + bucketSeconds] : [min, max]) },
        n: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      legend: { live: true },
    };
    const plot = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, el);
    const onResize = () => plot.setSize({ width: Math.max(300, el.clientWidth), height });
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      plot.destroy();
    };
  }, [times, series, height, bucketSeconds]);
  return <div ref={box} className="chart" data-testid="trend-chart" />;
}
