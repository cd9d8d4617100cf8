import { serviceMain } from '@vela/grpc-server';
import { serveGenerator } from '@vela/generator';

// The Generator service as its own process; `vela serve generator` boots the same thing.
serviceMain('generator', serveGenerator);
