import { Observation as DomainObservation, StoppingRule } from '@vela/algorithms';
import { ListRecordsRequest, objectiveGoalConverter, observationFromProto, suggestionFromProto, Suggestion, type Observation } from '@vela/contracts';
import type { ObjectiveValue } from '@vela/records';
import type { StepContext } from '../step-context';

/**
 * A search step's early-stopping rule (`search_algorithm.early_stopping`: median or
 * percentile, as Optuna's pruners and Katib's median stop): it sees the observations the
 * generator gets and names running trials to stop, which the master stops through the same
 * stop signal as a cancel (reason EARLY_STOPPED). Rebuilt from the trials and Report's records
 * when a step is (re)started, so a master restart keeps its history.
 */
export class StepEarlyStopping {
  private constructor(
    private readonly rule: StoppingRule,
    private readonly context: StepContext,
  ) {}

  static async create(context: StepContext): Promise<StepEarlyStopping | undefined> {
    const settings = (context.stepConfig.search_algorithm as { early_stopping?: unknown } | undefined)?.early_stopping;
    if (settings === undefined) return undefined;
    const stopping = new StepEarlyStopping(new StoppingRule(settings, `${context.step.name}.search_algorithm.early_stopping`), context);
    await stopping.replay();
    return stopping;
  }

  /** Feeds what the outbox just forwarded. */
  observe(observations: readonly Observation[]): void {
    this.rule.observe(observations.map((observation, index) => observationFromProto(observation, `observations[${index}]`) as unknown as DomainObservation));
  }

  /** Stops the running trials the rule gives up on. */
  async apply(): Promise<void> {
    const decided = this.rule.decide();
    if (decided.length === 0) return;
    const running = await this.context.prisma.trial.findMany({ where: { id: { in: decided }, state: { in: ['LEASED', 'RUNNING'] }, stopRequested: false }, select: { id: true } });
    if (running.length === 0) return;
    const { type } = this.rule.settings as { type: string };
    await this.context.queue.requestStop(
      { runId: this.context.run.id, step: this.context.step.name, trialIds: running.map((trial) => trial.id) },
      'EARLY_STOPPED',
      `stopped early by the ${type} rule: worse than the completed trials at the same epoch`,
    );
  }

  /** The history so far: each trial's suggestion, its records per epoch and, for finished trials, their outcome. */
  private async replay(): Promise<void> {
    const trials = await this.context.trials();
    const records = [];
    let pageToken = '';
    do {
      const page = await this.context.report.listRecords(ListRecordsRequest.fromPartial({ filter: { runId: this.context.run.id, stepId: this.context.step.name }, pageSize: 1000, pageToken }));
      records.push(...page.records);
      pageToken = page.nextPageToken;
    } while (pageToken);
    const observations: DomainObservation[] = [];
    for (const trial of trials) {
      if (!trial.suggestion) continue;
      const suggestion = suggestionFromProto(Suggestion.fromPartial(trial.suggestion as object)) as unknown as DomainObservation['suggestion'];
      observations.push({ trialId: trial.id, attempt: trial.attempt, epoch: 0, state: 'PENDING', suggestion } as DomainObservation);
      const own = records.filter((record) => record.trialId === trial.id && record.attempt === trial.attempt).sort((a, b) => a.epoch - b.epoch);
      for (const record of own) {
        const objectives: ObjectiveValue[] = record.objectives.map((objective) => ({ key: objective.key, value: objective.value, goal: objectiveGoalConverter.toName(objective.goal, 'record.objectives.goal') }));
        if (objectives.length) observations.push({ trialId: trial.id, attempt: trial.attempt, epoch: record.epoch, state: 'RUNNING', objectives } as DomainObservation);
      }
      const last = own[own.length - 1];
      if (['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(trial.state)) {
        const final = trial.state === 'SUCCEEDED' && last ? { objectives: last.objectives.map((o) => ({ key: o.key, value: o.value, goal: objectiveGoalConverter.toName(o.goal, 'record.objectives.goal') })), final: true } : {};
        observations.push({ trialId: trial.id, attempt: trial.attempt, epoch: last?.epoch ?? 0, state: trial.state, ...final } as DomainObservation);
      }
    }
    this.rule.observe(observations);
  }
}
