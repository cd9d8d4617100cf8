import { ensureWebBuild } from '@vela/dashboard';

// `npm run -w @vela/app-dashboard build`: builds the UI ahead of the first start (a deploy step).
ensureWebBuild().then(
  (dist) => process.stdout.write(`dashboard UI built in ${dist}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
