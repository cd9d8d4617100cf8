import { runUntilSignalled, serviceSettingsFromEnv } from '@vela/grpc-server';
import { serveReport } from '@vela/report';

// The Report service as its own process; `vela serve report` boots the same thing.
serveReport(serviceSettingsFromEnv('report'))
  .then((running) => runUntilSignalled('report', running))
  .then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`report: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
