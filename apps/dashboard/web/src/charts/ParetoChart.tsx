import type { ParetoChart as Data } from '@vela/dashboard/api';
import { Dots, extentOf, Plot, plotScales } from './plot';

/** Two objectives of every result, the pareto front over them highlighted and joined. */
export function ParetoChart({ data, onPick }: { data: Data; onPick: (trialNumber: number) => void }) {
  const { x, y } = plotScales(extentOf(data.points.map((point) => point.x)), extentOf(data.points.map((point) => point.y)));
  const front = data.front.map((point, i) => `${i === 0 ? 'M' : 'L'}${x(point.x)},${y(point.y)}`).join('');
  return (
    <Plot x={x} y={y} xLabel={data.x.key} yLabel={data.y.key} testId="pareto-chart">
      <Dots className="mark-trial" points={data.points.map((point) => [x(point.x), y(point.y)])} />
      <path className="mark-front-line" d={front} />
      {data.front.map((point) => (
        <circle key={point.number} className="mark-front" data-number={point.number} cx={x(point.x)} cy={y(point.y)} r={4} onClick={() => onPick(point.number)}>
          <title>
            #{point.number}: {data.x.key} {point.x}, {data.y.key} {point.y}
          </title>
        </circle>
      ))}
    </Plot>
  );
}
