import { serviceMain } from '@vela/grpc-server';
import { servePipeline } from '@vela/pipeline';

// The master as its own process; `vela serve pipeline` boots the same thing.
serviceMain('pipeline', servePipeline);
