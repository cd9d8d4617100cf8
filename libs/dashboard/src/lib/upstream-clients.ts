import { PipelineServiceService, ReportServiceService, type PipelineServiceServer, type ReportServiceServer } from '@vela/contracts';
import { createAsyncClient, type AsyncClient } from '@vela/grpc-server';

/** The services the dashboard reads: the master (runs, trials, workers) and Report (records). */
export interface UpstreamClients {
  readonly pipeline: AsyncClient<PipelineServiceServer>;
  readonly report: AsyncClient<ReportServiceServer>;
}

export const UPSTREAM_CLIENTS = Symbol('UPSTREAM_CLIENTS');

export interface UpstreamAddresses {
  readonly pipelineAddress: string;
  readonly reportAddress: string;
  /** The cluster's shared token (VELA_TOKEN), carried on every call. */
  readonly token?: string;
}

export function connectUpstream(addresses: UpstreamAddresses): UpstreamClients {
  return {
    pipeline: createAsyncClient<PipelineServiceServer>(PipelineServiceService, 'vela.v1.PipelineService', addresses.pipelineAddress, addresses.token),
    report: createAsyncClient<ReportServiceServer>(ReportServiceService, 'vela.v1.ReportService', addresses.reportAddress, addresses.token),
  };
}

/** Every item of a paged List call, page after page. */
export async function listAll<Item, Response extends { nextPageToken: string }>(
  fetchPage: (pageToken: string) => Promise<Response>,
  itemsOf: (response: Response) => readonly Item[],
): Promise<Item[]> {
  const items: Item[] = [];
  let pageToken = '';
  do {
    const response = await fetchPage(pageToken);
    items.push(...itemsOf(response));
    pageToken = response.nextPageToken;
  } while (pageToken);
  return items;
}
