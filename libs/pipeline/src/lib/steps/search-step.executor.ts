import { Search, type Suggestion } from '@vela/contracts';
import { objectivesToProto } from '../objectives';

import { forwardObservations } from '../observation-outbox';
import { UNFORWARDED, type StepContext, type TrialSummary } from '../step-context';
import { touchRuns } from '../trial-queue.service';
import { StepEarlyStopping } from './early-stopping';
import { deepMerge, namedModels, stepHyperparameters, type ChosenModel } from './model-sources';
import { searchOf } from './search-definition';
import { QueuePacing, withinLimits, type QueuePlan } from './queue-pacing';
import { checkLimits } from './run-limits';
import { registerPipeStep, StepFailedError, type StepExecutor } from './step-executor';

/**
 * Vega's SearchPipeStep: suggest → queue → train → observe, until the algorithm completes,
 * with as many trials in flight as the registered workers can hold (and at most
 * `general.limits.trials_in_flight`), stopping early on the run's limits.
 */
export class SearchStepExecutor implements StepExecutor {
  async execute(context: StepContext): Promise<void> {
    const searchName = await this.ensureSearch(context);
    const base = await baseModel(context);
    const earlyStopping = await StepEarlyStopping.create(context);
    const pacing = new QueuePacing();
    let completed = context.step.searchCompleted;
    let stopping: string | undefined;
    /** The limit that stopped the step also stopped trials in flight. */
    let stoppedInFlight = false;
    while (!context.signal.aborted) {
      const slots = await this.slots(context);
      // Short trials without an early-stopping rule are observed with the next refill (one
      // generator call for a batch of them): most passes only count, and read the outbox's
      // backlog only when they go on to observe.
      const batching = pacing.shortTrials(slots) && !earlyStopping;
      // Otherwise the counts and the backlog at the same moment, so what is decided next never
      // runs ahead of what the generator was told.
      const counted = await context.summaryAndBacklog(!batching);
      const { summary } = counted;
      const inFlight = summary.inFlight;
      pacing.observe(summary.total - inFlight);
      if (!stopping) {
        stopping = await checkLimits(context, summary);
        if (stopping && inFlight > 0) {
          stoppedInFlight = true;
          await context.queue.requestStop({ runId: context.run.id, step: context.step.name }, 'LIMIT_REACHED', stopping);
        }
      }
      const { room, batch } = !completed && !stopping ? this.room(context, pacing, slots, summary) : { room: 0, batch: 1 };
      if (batching && room < batch && inFlight > slots && !completed && !stopping) {
        // Until the refill is due at the rate trials end, not a pass per completion; while the
        // queue keeps running dry, the rate understates the workers, and the next change decides.
        if (pacing.trustsRate()) await context.pause(pacing.pauseFor(batch - room));
        else await context.waitForChange(1000);
        continue;
      }
      // Read after the counts, the backlog may hold trials that ended since: they are observed
      // now and counted at the next pass, so the room errs low, never ahead.
      const backlog = batching ? await context.backlog() : counted.backlog;
      // The room for new trials is asked for with the observations: one generator call, not two.
      const observed = await forwardObservations(context, searchName, backlog, earlyStopping && ((observations) => earlyStopping.observe(observations)), room);
      if (observed.isCompleted !== undefined) completed = observed.isCompleted;
      context.forwarded(observed.marks);
      await earlyStopping?.apply();
      // max_trials ends the step as the algorithm's end would (the generator does not know it),
      // without stopping what is in flight.
      const maxTrials = context.config.general.limits.max_trials;
      const allCreated = maxTrials !== undefined && summary.total >= maxTrials;
      if ((completed || stopping || allCreated) && inFlight === 0) {
        await context.writeForwarded();
        if (await this.allForwarded(context)) {
          // A step the run's budget cut short ends with what it found, maybe nothing: the
          // steps after it still run (one that takes this step's models says it has none).
          if (!summary.anySucceeded && !stopping) {
            throw new StepFailedError(`no trial of ${context.step.name} succeeded (${summary.total} ended); last error: ${summary.lastError ?? 'none recorded'}`);
          }
          // What ended the step, unless its algorithm did (GetRun shows it): a limit reached after
          // the algorithm ended, with nothing left to stop, ended nothing.
          const endReason = stopping && (stoppedInFlight || !completed) ? stopping : allCreated && !completed ? `general.limits.max_trials (${maxTrials}) reached` : undefined;
          if (endReason) await context.setStep({ endReason });
          break;
        }
      }
      if (!completed && !stopping && room > 0) {
        // Nothing was observed: ask on its own.
        const answer = observed.suggestions ? { suggestions: observed.suggestions, isCompleted: completed } : await context.generator.suggest({ name: searchName, suggestionCount: room, requestId: '' });
        completed = answer.isCompleted;
        if (answer.suggestions.length > 0) {
          await this.persist(context, answer.suggestions, base);
          // Fewer than asked: ask again at once (the algorithm may have more after all).
          if (answer.suggestions.length < room) continue;
        }
      }
      if (completed !== context.step.searchCompleted) {
        await context.setStep({ searchCompleted: completed });
        context.step.searchCompleted = completed;
      }
      await context.writeForwarded();
      // Trials that flow need no explanation of why they wait (and its write of every pending trial).
      if (!batching) await context.explainWaiting();
      await context.waitForChange(1000);
    }
  }

  /** Creates the step's search in the generator once; idempotent by (run, step), so a restart finds it again. */
  private async ensureSearch(context: StepContext): Promise<string> {
    if (!context.stepConfig.search_algorithm || !context.stepConfig.search_space) {
      throw new Error(`${context.step.name}: a SearchPipeStep needs search_algorithm and search_space sections`);
    }
    const answer = await context.generator.createSearch({
      search: Search.fromPartial({ runId: context.run.id, stepId: context.step.name, ...searchOf(context.stepConfig, context.config.general.seed), objectives: objectivesToProto(context.objectives) }),
      searchId: '',
      requestId: `${context.run.id}/${context.step.name}`,
    });
    const search = answer.search!;
    if (context.step.searchId !== search.id) await context.setStep({ searchId: search.id });
    return search.name;
  }

  /** The slots of the active workers that can run this step's trials (GPUs only, for a step that asks for GPUs). */
  private async slots(context: StepContext): Promise<number> {
    const workers = await context.workers.activeTotals();
    return context.resources.gpus > 0 ? workers.gpus : workers.cpuSlots + workers.gpus;
  }

  /**
   * How many more trials to start: what the queue has room for (paced by how fast trials
   * finish, QueuePacing), within the in-flight limit and max_trials; and the least room worth
   * a pass. Trials are queued ahead of the slots, so a slot that frees takes the next trial at
   * once instead of waiting for observe → suggest → insert. With no worker registered, or none
   * able to hold this step's trials, one trial is still created, so that it waits (or is
   * rejected) with the reason where GetRun shows it.
   */
  private room(context: StepContext, pacing: QueuePacing, slots: number, summary: TrialSummary): QueuePlan {
    const limits = context.config.general.limits;
    const plan = withinLimits(pacing.plan({ slots, inFlight: summary.inFlight, queued: summary.queued }), summary.inFlight, {
      inFlight: limits.trials_in_flight,
      trialsLeft: limits.max_trials === undefined ? undefined : limits.max_trials - summary.total,
    });
    // Workers that empty the queue while the limits leave it room take more than the rate
    // shows; under trials_in_flight or at max_trials, the limit keeps it empty.
    if (summary.queued === 0 && summary.inFlight > 0 && !plan.capped) pacing.queueRanDry(slots);
    return plan;
  }

  /** New suggestions become trials; promotions continue their trial as a new attempt with the larger budget. */
  private async persist(context: StepContext, suggestions: readonly Suggestion[], base: ChosenModel): Promise<void> {
    const fresh = suggestions.filter((suggestion) => !suggestion.continueTrialId);
    await context.createTrials(
      fresh.map((suggestion) => ({
        desc: deepMerge(base.desc, suggestion.desc ?? {}),
        hyperparameters: deepMerge(base.hyperparameters, suggestion.hyperparameters ?? {}),
        seed: suggestion.seed || undefined,
        budget: suggestion.budgetEpochs || undefined,
        rung: suggestion.rung || undefined,
        parentTrialId: suggestion.parentTrialId || undefined,
        checkpointArtifactId: artifactId(suggestion.checkpointArtifact),
        resumeEpoch: suggestion.resumeEpoch || undefined,
        suggestion,
      })),
    );
    const promotions = suggestions.filter((suggestion) => suggestion.continueTrialId);
    for (const promotion of promotions) {
      await context.prisma.$executeRaw`
        UPDATE trials SET state = 'PENDING', attempt = attempt + 1, budget = ${promotion.budgetEpochs || null}, rung = ${promotion.rung || null},
               resume_epoch = ${promotion.resumeEpoch || null}, suggestion = ${JSON.stringify(promotion)}::jsonb, ended_at = NULL, error = NULL,
               checkpoint_artifact_id = COALESCE(${artifactId(promotion.checkpointArtifact) ?? null}::uuid, checkpoint_artifact_id),
               forwarded_attempt = 0, stop_requested = false, stop_reason = NULL
        WHERE id = ${promotion.continueTrialId}::uuid AND run_id = ${context.run.id}::uuid AND state = 'SUCCEEDED'
          AND EXISTS (SELECT 1 FROM runs WHERE id = ${context.run.id}::uuid AND state = 'RUNNING')`;
    }
    // createTrials woke the watchers and workers for the new trials; promotions need it too.
    if (promotions.length > 0) await touchRuns(context.prisma, [context.run.id], { queued: true });
  }

  /** Whether the generator was told every trial's last attempt and state (read within the backlog's index). */
  private async allForwarded(context: StepContext): Promise<boolean> {
    const [{ behind }] = await context.prisma.$queryRaw<{ behind: bigint }[]>`
      SELECT count(*) AS behind FROM trials WHERE run_id = ${context.run.id}::uuid AND step = ${context.step.name}
        AND ${UNFORWARDED} AND (forwarded_attempt <> attempt OR forwarded_state IS DISTINCT FROM state::text)`;
    return Number(behind) === 0;
  }
}

/**
 * What every trial of a search step starts from: the desc of the first model the step's
 * config names (an earlier step's best, say) and the hyperparameters of its `hps_file` (as
 * in Vega, a desc source gives only the desc); the searched keys are merged over them.
 */
async function baseModel(context: StepContext): Promise<ChosenModel> {
  const [first] = await namedModels(context, 1);
  return { desc: first?.desc ?? {}, hyperparameters: await stepHyperparameters(context), origin: first?.origin ?? context.step.name };
}

/** `artifacts/{id}` → id. */
function artifactId(name: string | undefined): string | undefined {
  return name ? name.replace(/^artifacts\//, '') : undefined;
}

registerPipeStep('SearchPipeStep', () => new SearchStepExecutor(), "Vega's SearchPipeStep: a search algorithm over a search space");
