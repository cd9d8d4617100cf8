import { serveEnvironment } from './serve';

describe('vela serve settings', () => {
  it('read each flag as the variable it stands for, over the environment', () => {
    const env = serveEnvironment('report', { host: '0.0.0.0', port: '0', token: 't', databaseUrl: 'postgres://db' }, { VELA_HOST: '127.0.0.1', VELA_TOKEN: 'old', KEEP: 'me' });
    expect(env).toEqual({ VELA_HOST: '0.0.0.0', VELA_REPORT_PORT: '0', VELA_TOKEN: 't', DATABASE_URL: 'postgres://db', KEEP: 'me' });
  });

  it('give a worker the addresses it calls', () => {
    expect(serveEnvironment('worker', { pipelineAddress: 'master:50051', reportAddress: 'report:50053' }, {})).toEqual({
      VELA_PIPELINE_ADDRESS: 'master:50051',
      VELA_REPORT_ADDRESS: 'report:50053',
    });
  });

  it('leave the ports of `all` to their variables', () => {
    expect(serveEnvironment('all', { port: '1' }, {})).toEqual({});
  });
});
