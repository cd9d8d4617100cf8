export * from './lib/artifact.service';
export * from './lib/record-watch.service';
export * from './lib/record.service';
export * from './lib/report.controller';
export * from './lib/report.module';
export * from './lib/serve-report';
