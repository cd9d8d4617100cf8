import type { IncomingMessage, ServerResponse } from 'node:http';
import { All, Controller, Get, NotFoundException, Param, Query, Req, Res } from '@nestjs/common';
import { InvalidArgumentError } from '@vela/errors';
import type { BestSoFarChart, LearningCurve, ParallelChart, ParetoChart, RunDetail, RunPage, TrialPage, WorkerView } from '../api';
import { CHART_LIMITS, DashboardService } from './dashboard.service';
import { RunFeed } from './run-feed.service';
import { trialQueryFromParams } from './trial-query';

type QueryParams = Record<string, string | undefined>;

/** An integer query parameter within [min, max], or its default when absent. */
function integerParam(params: QueryParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new InvalidArgumentError(`must be an integer from ${min} to ${max}, got '${raw}'`, name);
  return value;
}

@Controller('api/runs')
export class RunsController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly feed: RunFeed,
  ) {}

  @Get()
  list(@Query() params: QueryParams): Promise<RunPage> {
    return this.dashboard.listRuns(integerParam(params, 'pageSize', 50, 1, 1000), params['pageToken'] ?? '', params['state']);
  }

  @Get(':run')
  get(@Param('run') run: string): Promise<RunDetail> {
    return this.dashboard.getRun(run);
  }

  @Get(':run/events')
  events(@Param('run') run: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    return this.feed.stream(run, request, response);
  }

  @Get(':run/steps/:step/trials')
  trials(@Param('run') run: string, @Param('step') step: string, @Query() params: QueryParams): Promise<TrialPage> {
    return this.dashboard.trials(run, step, trialQueryFromParams(params));
  }

  @Get(':run/steps/:step/best-so-far')
  bestSoFar(@Param('run') run: string, @Param('step') step: string, @Query() params: QueryParams): Promise<BestSoFarChart> {
    return this.dashboard.bestSoFar(run, step, params['objective'], integerParam(params, 'points', 400, 2, CHART_LIMITS.points));
  }

  @Get(':run/steps/:step/pareto')
  pareto(@Param('run') run: string, @Param('step') step: string, @Query() params: QueryParams): Promise<ParetoChart> {
    const grid = { width: integerParam(params, 'width', 200, 1, CHART_LIMITS.gridCells), height: integerParam(params, 'height', 150, 1, CHART_LIMITS.gridCells) };
    return this.dashboard.pareto(run, step, params['x'], params['y'], grid);
  }

  @Get(':run/steps/:step/parallel')
  parallel(@Param('run') run: string, @Param('step') step: string, @Query() params: QueryParams): Promise<ParallelChart> {
    return this.dashboard.parallel(run, step, params['objective'], integerParam(params, 'lines', 200, 1, CHART_LIMITS.lines));
  }
}

@Controller('api/trials')
export class TrialsController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get(':trial/curve')
  curve(@Param('trial') trial: string): Promise<LearningCurve> {
    return this.dashboard.learningCurve(trial);
  }
}

@Controller('api/workers')
export class WorkersController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get()
  list(): Promise<WorkerView[]> {
    return this.dashboard.workers();
  }
}

/** Any other /api path: after the token check like every API route, so a caller without the token learns nothing. */
@Controller('api')
export class UnknownApiController {
  @All('*path')
  unknown(@Req() request: IncomingMessage): never {
    throw new NotFoundException(`no API route ${request.method} ${new URL(request.url ?? '/', 'http://dashboard').pathname}`);
  }
}
