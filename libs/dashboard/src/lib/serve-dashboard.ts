import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DEFAULT_PORTS, type ServiceSettings } from '@vela/grpc-server';
import { DashboardModule } from './dashboard.module';
import { ensureWebBuild } from './web-build';

export interface DashboardServeOptions extends ServiceSettings {
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: boolean;
  /** The UI's sources (default: apps/dashboard/web); built on start when missing or stale. */
  readonly webRoot?: string;
}

export interface RunningDashboard {
  readonly app: NestExpressApplication;
  readonly port: number;
  /** `host:port`; the UI is at `http://<address>/`. */
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Boots the dashboard: builds the UI if needed, connects to the master
 * (VELA_PIPELINE_ADDRESS) and Report (VELA_REPORT_ADDRESS) with the cluster token, and
 * serves the UI, the HTTP API under /api (every request carries the token) and the live
 * feed. Used by `apps/dashboard` and `vela serve dashboard` alike.
 */
export async function serveDashboard(options: DashboardServeOptions): Promise<RunningDashboard> {
  const env = options.env ?? process.env;
  const dist = await ensureWebBuild(options.webRoot);
  const app = await NestFactory.create<NestExpressApplication>(
    DashboardModule.forRoot({
      pipelineAddress: env['VELA_PIPELINE_ADDRESS'] || `127.0.0.1:${DEFAULT_PORTS.pipeline}`,
      reportAddress: env['VELA_REPORT_ADDRESS'] || `127.0.0.1:${DEFAULT_PORTS.report}`,
      token: options.token,
    }),
    { logger: options.logger === false ? false : ['log', 'warn', 'error'] },
  );
  app.useStaticAssets(dist, { index: false, maxAge: '1h', immutable: true });
  app.use(singlePageFallback(join(dist, 'index.html')));
  const host = options.host ?? '127.0.0.1';
  await app.listen(options.port ?? 0, host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    app,
    port,
    address: `${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    stop: () => (stopping ??= app.close()),
  };
}

/** Every page of the UI (`/`, `/runs/<id>`, `/workers`) is its index.html; the browser routes. */
function singlePageFallback(indexHtml: string) {
  return (request: IncomingMessage, response: ServerResponse, next: () => void) => {
    if (request.method !== 'GET' || (request.url ?? '').startsWith('/api/')) return next();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
    createReadStream(indexHtml).pipe(response);
  };
}
