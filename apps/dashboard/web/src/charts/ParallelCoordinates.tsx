import type { ParallelAxis, ParallelChart } from '@vela/dashboard/api';
import { PLOT } from './plot';

const HEIGHT = PLOT.height;
const MARGIN = { top: 24, bottom: 28, side: 40 };

function position(axis: ParallelAxis, value: number): number {
  if (axis.max === axis.min) return 0.5;
  if (axis.scale === 'log') return (Math.log(value) - Math.log(axis.min)) / (Math.log(axis.max) - Math.log(axis.min));
  return (value - axis.min) / (axis.max - axis.min);
}

const shortName = (key: string) => key.split('.').slice(-2).join('.');

/** One vertical axis per hyperparameter and the objective; one line per drawn result, coloured by the objective. */
export function ParallelCoordinates({ data }: { data: ParallelChart }) {
  const width = Math.max(PLOT.width, data.axes.length * 110);
  const xOf = (index: number) => MARGIN.side + (index * (width - 2 * MARGIN.side)) / Math.max(1, data.axes.length - 1);
  const yOf = (axis: ParallelAxis, value: number) => HEIGHT - MARGIN.bottom - position(axis, value) * (HEIGHT - MARGIN.top - MARGIN.bottom);
  const objectiveAxis = data.axes[data.axes.length - 1];
  const colour = (value: number | null) => {
    const t = value === null ? 0 : position(objectiveAxis, value);
    const better = data.objective.goal === 'MINIMIZE' ? 1 - t : t;
    return `hsl(${Math.round(240 - 240 * better)} 70% 45%)`;
  };
  return (
    <svg className="plot" data-testid="parallel-chart" data-lines={data.lines.length} width={width} height={HEIGHT} viewBox={`0 0 ${width} ${HEIGHT}`}>
      {data.lines.map((line) => (
        <polyline
          key={line.number}
          className="mark-line"
          stroke={colour(line.values[line.values.length - 1])}
          points={line.values
            .map((value, index) => (value === null ? null : `${xOf(index)},${yOf(data.axes[index], value)}`))
            .filter(Boolean)
            .join(' ')}
        />
      ))}
      {data.axes.map((axis, index) => (
        <g key={axis.key} className="axis">
          <line x1={xOf(index)} x2={xOf(index)} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} />
          <text x={xOf(index)} y={MARGIN.top - 8} textAnchor="middle" className="label">
            {shortName(axis.key)}
          </text>
          {axis.scale === 'category' ? (
            (axis.categories ?? []).map((category, c) => (
              <text key={category} x={xOf(index) + 4} y={yOf(axis, c) + 4}>
                {category}
              </text>
            ))
          ) : (
            <>
              <text x={xOf(index) + 4} y={HEIGHT - MARGIN.bottom + 14}>
                {Number(axis.min.toPrecision(3))}
              </text>
              <text x={xOf(index) + 4} y={MARGIN.top + 10}>
                {Number(axis.max.toPrecision(3))}
              </text>
            </>
          )}
        </g>
      ))}
    </svg>
  );
}
