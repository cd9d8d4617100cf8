import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { describeCallError, resolveConnection, ServiceCallError } from './connection';
import { CliError, EXIT } from './exit-codes';

const grpcError = (code: status, details: string): ServiceError => Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });

describe('the connection to the master and Report', () => {
  it('takes flags over the variables the services read, over the default ports', () => {
    expect(resolveConnection({}, {})).toEqual({ pipelineAddress: '127.0.0.1:50051', reportAddress: '127.0.0.1:50053', token: undefined });
    const env = { VELA_PIPELINE_ADDRESS: 'master:1', VELA_REPORT_ADDRESS: 'report:2', VELA_TOKEN: 'from-env' };
    expect(resolveConnection({}, env)).toEqual({ pipelineAddress: 'master:1', reportAddress: 'report:2', token: 'from-env' });
    expect(resolveConnection({ pipelineAddress: 'flag:3', token: 'from-flag' }, env)).toEqual({ pipelineAddress: 'flag:3', reportAddress: 'report:2', token: 'from-flag' });
  });

  it('turns a failed call into one line that says what to do', () => {
    expect(describeCallError(grpcError(status.UNAVAILABLE, 'No connection established'), 'report', 'h:1')).toEqual(
      new CliError('cannot reach Report at h:1 (UNAVAILABLE); start it with `vela serve report` or set --report-address'),
    );
    const refused = describeCallError(grpcError(status.UNAUTHENTICATED, 'bad token'), 'pipeline', 'h:2') as CliError;
    expect(refused.message).toBe('the master at h:2 refused the call (UNAUTHENTICATED: bad token); set --token or VELA_TOKEN to the token the services run with');
    const invalid = describeCallError(grpcError(status.INVALID_ARGUMENT, 'name: bad\n  more'), 'pipeline', 'h:2') as CliError;
    expect([invalid.message, invalid.exitCode]).toEqual(['name: bad; more (INVALID_ARGUMENT)', EXIT.usage]);
    const missing = describeCallError(grpcError(status.NOT_FOUND, "run 'x' not found"), 'pipeline', 'h:2');
    expect(missing).toBeInstanceOf(ServiceCallError);
    expect(missing).toMatchObject({ code: status.NOT_FOUND, exitCode: EXIT.failure });
  });

  it('passes other errors through', () => {
    const error = new Error('boom');
    expect(describeCallError(error, 'pipeline', 'h:1')).toBe(error);
  });
});
