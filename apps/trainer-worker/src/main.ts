import { serviceMain } from '@vela/grpc-server';
import { serveWorker } from '@vela/worker';

// A trainer-worker as its own process; `vela serve worker` boots the same thing.
serviceMain('worker', serveWorker);
