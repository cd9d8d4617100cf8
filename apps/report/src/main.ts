import { serviceMain } from '@vela/grpc-server';
import { serveReport } from '@vela/report';

// The Report service as its own process; `vela serve report` boots the same thing.
serviceMain('report', serveReport);
