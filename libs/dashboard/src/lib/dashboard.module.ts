import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ApiExceptionFilter } from './api-exception.filter';
import { RunsController, TrialsController, UnknownApiController, WorkersController } from './api.controllers';
import { DashboardService } from './dashboard.service';
import { API_TOKEN, ApiTokenGuard } from './http-auth';
import { RunFeed } from './run-feed.service';
import { RunIndexRegistry } from './run-index.registry';
import { connectUpstream, UPSTREAM_CLIENTS, type UpstreamAddresses } from './upstream-clients';

/** The dashboard: its HTTP API and live feed over the master and Report (DESIGN.md: it owns nothing durable). */
@Module({})
export class DashboardModule {
  static forRoot(options: UpstreamAddresses): DynamicModule {
    return {
      module: DashboardModule,
      // The catch-all last: routes match in this order.
      controllers: [RunsController, TrialsController, WorkersController, UnknownApiController],
      providers: [
        { provide: UPSTREAM_CLIENTS, useFactory: () => connectUpstream(options) },
        { provide: API_TOKEN, useValue: { token: options.token } },
        { provide: APP_GUARD, useClass: ApiTokenGuard },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
        RunIndexRegistry,
        DashboardService,
        RunFeed,
      ],
    };
  }
}
