import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { GeneratorServiceService, ReportServiceService, type GeneratorServiceServer, type ReportServiceServer } from '@vela/contracts';
import { createPrismaClient, PrismaClient } from '@vela/db';
import { createAsyncClient } from '@vela/grpc-server';
import { PipelineController } from './pipeline.controller';
import { PipelineEvents } from './pipeline-events';
import { GENERATOR_CLIENT, REPORT_CLIENT } from './pipeline.tokens';
import { RunScheduler } from './run-scheduler.service';
import { RunService } from './run.service';
import type { GeneratorClient, ReportClient } from './step-context';
import { QUEUE_SETTINGS, TrialQueueService, type QueueSettings } from './trial-queue.service';
import { TrialViewService } from './trial-view.service';
import { WorkerRegistryService } from './worker-registry.service';

export interface PipelineModuleOptions {
  /** A migrated database (see `openDatabase` in @vela/db). */
  readonly databaseUrl: string;
  readonly generatorAddress: string;
  readonly reportAddress: string;
  /** The token the master presents to the generator and Report. */
  readonly token?: string;
  readonly queue: QueueSettings;
}

/** Closes what the module opened when the service stops. */
@Injectable()
class PipelineConnections implements OnApplicationShutdown {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly events: PipelineEvents,
    @Inject(GENERATOR_CLIENT) private readonly generator: GeneratorClient,
    @Inject(REPORT_CLIENT) private readonly report: ReportClient,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.generator.close();
    this.report.close();
    await Promise.all([this.prisma.$disconnect(), this.events.close()]);
  }
}

/** The Pipeline service, the master (DESIGN.md): runs, steps, the trial queue, the worker registry. */
@Module({})
export class PipelineModule {
  static forRoot(options: PipelineModuleOptions): DynamicModule {
    return {
      module: PipelineModule,
      providers: [
        { provide: PrismaClient, useFactory: () => createPrismaClient(options.databaseUrl) },
        { provide: PipelineEvents, useFactory: () => PipelineEvents.connect(options.databaseUrl) },
        { provide: QUEUE_SETTINGS, useValue: options.queue },
        {
          provide: GENERATOR_CLIENT,
          useFactory: () => createAsyncClient<GeneratorServiceServer>(GeneratorServiceService, 'vela.v1.GeneratorService', options.generatorAddress, options.token),
        },
        { provide: REPORT_CLIENT, useFactory: () => createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', options.reportAddress, options.token) },
        TrialQueueService,
        TrialViewService,
        WorkerRegistryService,
        RunService,
        RunScheduler,
        PipelineController,
        PipelineConnections,
      ],
      exports: [RunService, TrialQueueService, WorkerRegistryService],
    };
  }
}
