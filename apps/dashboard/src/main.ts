import { serveDashboard } from '@vela/dashboard';
import { serviceMain } from '@vela/grpc-server';

// The dashboard as its own process; `vela serve dashboard` boots the same thing.
serviceMain('dashboard', serveDashboard);
