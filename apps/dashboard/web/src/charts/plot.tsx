import type { ReactNode } from 'react';

// Plain SVG charts: a scale maps data to pixels, Plot draws the frame and ticks around the marks.

export interface Scale {
  (value: number): number;
  readonly ticks: readonly number[];
}

export const PLOT = { width: 460, height: 260, margin: { top: 12, right: 28, bottom: 36, left: 56 } } as const;

export function linearScale(domain: readonly [number, number], range: readonly [number, number], tickCount = 5): Scale {
  let [low, high] = domain;
  if (!(high > low)) [low, high] = [low - 1, high + 1];
  const scale = ((value: number) => range[0] + ((value - low) / (high - low)) * (range[1] - range[0])) as Scale;
  const step = niceStep((high - low) / tickCount);
  const ticks: number[] = [];
  for (let tick = Math.ceil(low / step) * step; tick <= high + step * 1e-9; tick += step) ticks.push(Number(tick.toPrecision(12)));
  return Object.assign(scale, { ticks });
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

export function extentOf(values: readonly number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return low === Infinity ? [0, 1] : [low, high];
}

const tickLabel = (value: number) => (Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(1) : String(Number(value.toPrecision(4))));

/** The plotting area with axes, ticks and labels; `children` are the marks, in pixel space. */
export function Plot({ x, y, xLabel, yLabel, testId, children }: { x: Scale; y: Scale; xLabel: string; yLabel: string; testId: string; children: ReactNode }) {
  const { width, height, margin } = PLOT;
  return (
    <svg className="plot" data-testid={testId} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <g className="axis">
        <line x1={margin.left} x2={width - margin.right} y1={height - margin.bottom} y2={height - margin.bottom} />
        <line x1={margin.left} x2={margin.left} y1={margin.top} y2={height - margin.bottom} />
        {x.ticks.map((tick) => (
          <text key={`x${tick}`} x={x(tick)} y={height - margin.bottom + 14} textAnchor="middle">
            {tickLabel(tick)}
          </text>
        ))}
        {y.ticks.map((tick) => (
          <text key={`y${tick}`} x={margin.left - 6} y={y(tick) + 4} textAnchor="end">
            {tickLabel(tick)}
          </text>
        ))}
        <text x={(margin.left + width - margin.right) / 2} y={height - 4} textAnchor="middle" className="label">
          {xLabel}
        </text>
        <text transform={`translate(12 ${(margin.top + height - margin.bottom) / 2}) rotate(-90)`} textAnchor="middle" className="label">
          {yLabel}
        </text>
      </g>
      {children}
    </svg>
  );
}

/** Scales for the plotting area of PLOT over the given extents. */
export function plotScales(xDomain: readonly [number, number], yDomain: readonly [number, number]): { x: Scale; y: Scale } {
  const { width, height, margin } = PLOT;
  return { x: linearScale(xDomain, [margin.left, width - margin.right]), y: linearScale(yDomain, [height - margin.bottom, margin.top]) };
}

/**
 * Many points as one SVG path of zero-length round-capped segments: one element for the
 * browser to lay out instead of thousands of circles.
 */
export function Dots({ points, className }: { points: readonly (readonly [number, number])[]; className: string }) {
  return <path className={className} d={points.map(([x, y]) => `M${x.toFixed(1)} ${y.toFixed(1)}h0`).join('')} data-count={points.length} />;
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
