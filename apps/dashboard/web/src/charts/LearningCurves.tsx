import type { LearningCurve } from '@vela/dashboard/api';
import { extentOf, PALETTE, Plot, plotScales } from './plot';

/** One line per chosen trial: a metric against epoch, from its records in Report. */
export function LearningCurves({ curves, metric }: { curves: readonly LearningCurve[]; metric: string }) {
  const points = curves.flatMap((curve) => curve.epochs.filter((epoch) => Number.isFinite(epoch.performance[metric])).map((epoch) => ({ epoch: epoch.epoch, value: epoch.performance[metric] })));
  const { x, y } = plotScales(extentOf(points.map((point) => point.epoch)), extentOf(points.map((point) => point.value)));
  return (
    <Plot x={x} y={y} xLabel="epoch" yLabel={metric} testId="learning-curves">
      {curves.map((curve, index) => {
        const line = curve.epochs.filter((epoch) => Number.isFinite(epoch.performance[metric]));
        return (
          <g key={curve.trialId} className="curve" data-number={curve.number} data-epochs={line.length} stroke={PALETTE[index % PALETTE.length]} fill={PALETTE[index % PALETTE.length]}>
            <polyline fill="none" strokeWidth={2} points={line.map((epoch) => `${x(epoch.epoch)},${y(epoch.performance[metric])}`).join(' ')} />
            {line.map((epoch) => (
              <circle key={epoch.epoch} cx={x(epoch.epoch)} cy={y(epoch.performance[metric])} r={3} />
            ))}
            <text x={x(line[line.length - 1]?.epoch ?? 0) + 4} y={y(line[line.length - 1]?.performance[metric] ?? 0)} stroke="none">
              #{curve.number}
            </text>
          </g>
        );
      })}
    </Plot>
  );
}
