import { NumericParameter, Point, Prng } from '@vela/search-space';
import { BaseAlgorithm } from '../core/base.algorithm';
import { Trial, isInFlight } from '../core/trial-book';
import { AlgorithmContext, Suggestion } from '../core/types';
import { PbtPolicy, parsePbtSettings } from './pbt.settings';

interface Member {
  readonly index: number;
  /** The member's latest trial. */
  readonly trial: Trial;
  readonly round: number;
}

/**
 * Population based training (Jaderberg et al., 2017), synchronous rounds: `config_count`
 * members train `each_epochs` per round. When every member has finished a round they are
 * ranked; the bottom `exploit_fraction` are replaced by children of random members of the top
 * fraction — a child is a new trial naming its parent and starting from the parent's checkpoint
 * (`parent`), with the parent's hyperparameters explored (perturbed by `perturb_factors`, or
 * resampled) — and the others continue their own trial from its checkpoint (`continues`).
 */
export class PbtAlgorithm extends BaseAlgorithm<PbtPolicy> {
  constructor(context: AlgorithmContext) {
    super('pbt', context, parsePbtSettings(context.settings, context.path ?? 'search_algorithm'));
  }

  /** Each member's latest trial (a child replaces its member's previous trial). */
  private members(): Member[] {
    const latest = new Map<number, Trial>();
    for (const trial of this.book.list()) {
      const index = trial.origin.info?.['member'];
      if (typeof index === 'number') latest.set(index, trial);
    }
    return [...latest.entries()].sort((a, b) => a[0] - b[0]).map(([index, trial]) => ({ index, trial, round: trial.suggestion.rung ?? 0 }));
  }

  private lossOfMember(member: Member): number {
    return member.trial.state === 'SUCCEEDED' ? (this.lossOf(member.trial.final?.objectives) ?? Infinity) : Infinity;
  }

  protected propose(index: number, batch: readonly Suggestion[]): Suggestion | undefined {
    const policy = this.settings.policy;
    const started = this.members().length + batch.filter((s) => s.rung === 0 && !s.parent).length;
    const rng = this.rng(index);
    if (started < policy.config_count) {
      const point = this.freshRandomPoint(rng, batch);
      return point ? this.suggestionFor(point, { budget: { epochs: policy.each_epochs }, rung: 0, info: { member: started, round: 0 } }) : undefined;
    }
    const members = this.members();
    const round = Math.min(...members.map((m) => m.round));
    if (round + 1 >= policy.total_rungs || members.some((m) => m.round === round && isInFlight(m.trial))) return undefined;
    const ranked = [...members].sort((a, b) => this.lossOfMember(a) - this.lossOfMember(b) || a.index - b.index);
    const cut = Math.max(1, Math.floor(members.length * policy.exploit_fraction));
    const top = ranked.slice(0, cut).filter((m) => Number.isFinite(this.lossOfMember(m)));
    const bottom = new Set(ranked.slice(-cut).map((m) => m.index));
    const member = members.find((m) => m.round === round && !batch.some((s) => s.info?.['member'] === m.index && s.rung === round + 1));
    if (!member) return undefined;
    const info = { member: member.index, round: round + 1 };
    const failed = !Number.isFinite(this.lossOfMember(member));
    if (!bottom.has(member.index) && !failed) return this.continuation(member, round, info);
    if (top.length === 0) {
      const point = this.freshRandomPoint(rng, batch);
      return point ? this.suggestionFor(point, { budget: { epochs: policy.each_epochs }, rung: round + 1, info }) : undefined;
    }
    const parent = top[rng.int(top.length)];
    const epoch = parent.trial.final?.epoch ?? (round + 1) * policy.each_epochs;
    const checkpoint = this.book.checkpointAt(parent.trial, epoch);
    return this.suggestionFor(this.explore(parent.trial.origin.point, rng, batch), {
      budget: { epochs: epoch + policy.each_epochs },
      rung: round + 1,
      parent: { trialId: parent.trial.trialId, epoch, ...(checkpoint ? { checkpoint } : {}) },
      info,
    });
  }

  private continuation(member: Member, round: number, info: { member: number; round: number }): Suggestion {
    const trial = member.trial;
    const epoch = trial.final?.epoch ?? (round + 1) * this.settings.policy.each_epochs;
    const checkpoint = this.book.checkpointAt(trial, epoch);
    return {
      trialId: trial.trialId,
      point: trial.origin.point,
      ...(trial.origin.desc ? { desc: trial.origin.desc } : {}),
      hyperparameters: trial.origin.hyperparameters,
      budget: { epochs: epoch + this.settings.policy.each_epochs },
      rung: round + 1,
      continues: { trialId: trial.trialId, epoch, ...(checkpoint ? { checkpoint } : {}) },
      info,
    };
  }

  /** The parent's point with each parameter perturbed (numeric × a factor, categorical to a neighbour) or resampled. */
  private explore(parentPoint: Point, rng: Prng, batch: readonly Suggestion[]): Point {
    const policy = this.settings.policy;
    let fallback: Point | undefined;
    for (let attempt = 0; attempt < 16; attempt++) {
      const unit = this.space.toUnit(parentPoint);
      for (const parameter of this.space.parameters) {
        const offset = this.space.offsets.get(parameter.key) as number;
        const resample = rng.next() < policy.resample_probability || !(parameter.key in parentPoint);
        if (resample) {
          parameter.dims.forEach((_, i) => (unit[offset + i] = rng.next()));
        } else if (parameter instanceof NumericParameter) {
          const factor = rng.pick(policy.perturb_factors);
          const value = Math.min(parameter.high, Math.max(parameter.low, (parentPoint[parameter.key] as number) * factor));
          unit[offset] = parameter.toUnit(parameter.integer ? Math.round(value) : value)[0];
        } else if (parameter.dims.length === 1 && parameter.dims[0].kind === 'categorical') {
          const size = parameter.dims[0].size;
          const current = Math.min(size - 1, Math.floor(unit[offset] * size));
          const next = Math.min(size - 1, Math.max(0, current + (rng.next() < 0.5 ? -1 : 1)));
          unit[offset] = (next + 0.5) / size;
        }
      }
      const point = this.space.fromUnit(unit);
      if (this.space.isForbidden(point)) continue;
      if (!this.isTaken(point, batch)) return point;
      fallback ??= point;
    }
    return fallback ?? parentPoint;
  }

  protected get finished(): boolean {
    const members = this.members();
    return members.length >= this.settings.policy.config_count && members.every((m) => m.round >= this.settings.policy.total_rungs - 1);
  }
}
