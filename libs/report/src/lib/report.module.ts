import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, PrismaClient } from '@vela/db';
import { ARTIFACT_ROOT, ArtifactService } from './artifact.service';
import { ReportController } from './report.controller';
import { RECORD_CHANGE_FEED, RecordWatchService } from './record-watch.service';
import { PostgresRecordChangeFeed } from './record-change-feed';
import { RecordService } from './record.service';

export interface ReportModuleOptions {
  /** A migrated database (see `openDatabase` in @vela/db). */
  readonly databaseUrl: string;
  /** The folder that holds uploaded artifacts on this host. */
  readonly artifactRoot: string;
}

/** Closes the connections the module opened when the service stops. */
@Injectable()
class ReportConnections implements OnApplicationShutdown {
  constructor(
    private readonly prisma: PrismaClient,
    @Inject(RECORD_CHANGE_FEED) private readonly feed: PostgresRecordChangeFeed,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([this.prisma.$disconnect(), this.feed.notifications.close()]);
  }
}

/** The Report service: records, pareto fronts, watch streams and artifacts (DESIGN.md). */
@Module({})
export class ReportModule {
  static forRoot(options: ReportModuleOptions): DynamicModule {
    return {
      module: ReportModule,
      providers: [
        { provide: PrismaClient, useFactory: () => createPrismaClient(options.databaseUrl) },
        { provide: RECORD_CHANGE_FEED, useFactory: () => PostgresRecordChangeFeed.connect(options.databaseUrl) },
        { provide: ARTIFACT_ROOT, useValue: options.artifactRoot },
        RecordService,
        RecordWatchService,
        ArtifactService,
        ReportController,
        ReportConnections,
      ],
      exports: [RecordService, RecordWatchService, ArtifactService],
    };
  }
}
