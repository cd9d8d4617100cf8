import { Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, PrismaClient } from '@vela/db';
import { GeneratorController } from './generator.controller';
import { closeRemoteAlgorithmClients } from './remote.algorithm';
import { SEARCH_SERVICE_OPTIONS, SearchService, type SearchServiceOptions } from './search.service';

export interface GeneratorModuleOptions extends SearchServiceOptions {
  /** A migrated database (see `openDatabase` in @vela/db). */
  readonly databaseUrl: string;
}

/** Closes the database connection and the plug-in clients when the service stops. */
@Injectable()
class GeneratorConnections implements OnApplicationShutdown {
  constructor(private readonly prisma: PrismaClient) {}

  async onApplicationShutdown(): Promise<void> {
    closeRemoteAlgorithmClients();
    await this.prisma.$disconnect();
  }
}

/** The Generator service: searches, Suggest and Observe (DESIGN.md). */
@Module({})
export class GeneratorModule {
  static forRoot(options: GeneratorModuleOptions): DynamicModule {
    return {
      module: GeneratorModule,
      providers: [
        { provide: PrismaClient, useFactory: () => createPrismaClient(options.databaseUrl) },
        { provide: SEARCH_SERVICE_OPTIONS, useValue: { snapshotEvery: options.snapshotEvery } },
        SearchService,
        GeneratorController,
        GeneratorConnections,
      ],
      exports: [SearchService],
    };
  }
}
