import type { BestSoFarChart as Data } from '@vela/dashboard/api';
import { Dots, extentOf, Plot, plotScales } from './plot';

/** Every result (downsampled server-side) and the best-so-far staircase, against trial number. */
export function BestSoFarChart({ data }: { data: Data }) {
  const values = [...data.trials.map((point) => point.value), ...data.best.map((point) => point.value)];
  const numbers = [...data.trials.map((point) => point.number), ...data.best.map((point) => point.number)];
  const { x, y } = plotScales(extentOf(numbers), extentOf(values));
  const staircase = data.best.map((point, i) => (i === 0 ? `M${x(point.number)},${y(point.value)}` : `H${x(point.number)}V${y(point.value)}`)).join('');
  return (
    <Plot x={x} y={y} xLabel="trial" yLabel={`${data.objective.key} (${data.objective.goal === 'MINIMIZE' ? 'min' : 'max'})`} testId="best-so-far-chart">
      <Dots className="mark-trial" points={data.trials.map((point) => [x(point.number), y(point.value)])} />
      <path className="mark-best" d={staircase} data-points={data.best.length} />
    </Plot>
  );
}
