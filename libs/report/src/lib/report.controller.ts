import { Injectable } from '@nestjs/common';
import { answerEach, InvalidArgumentError, valueOrRefusal, VelaError } from '@vela/errors';
import { itemStatus, type CallContext, type AsyncService } from '@vela/grpc-server';
import {
  artifactToProto,
  artifactUploadFromProto,
  objectiveSpecFromProto,
  parseArtifactName,
  recordFilterFromProto,
  recordInputFromProto,
  recordOrderFromProto,
  recordToProto,
  type DownloadArtifactRequest,
  type DownloadArtifactResponse,
  type GetArtifactRequest,
  type GetArtifactResponse,
  type GetRecordRequest,
  type GetRecordResponse,
  type ListRecordsRequest,
  type ListRecordsResponse,
  type ParetoFrontRequest,
  type ParetoFrontResponse,
  type ReportServiceServer,
  type UpdateRecordRequest,
  type UpdateRecordResponse,
  type UpdateRecordsRequest,
  type UpdateRecordsResponse,
  type UploadArtifactRequest,
  type UploadArtifactResponse,
  type WatchRecordsRequest,
  type WatchRecordsResponse,
} from '@vela/contracts';
import { ArtifactService } from './artifact.service';
import { RecordWatchService } from './record-watch.service';
import { RecordService } from './record.service';

/** gRPC face of Report: converts, calls one lib service, converts back. */
@Injectable()
export class ReportController implements AsyncService<ReportServiceServer> {
  constructor(
    private readonly records: RecordService,
    private readonly watcher: RecordWatchService,
    private readonly artifacts: ArtifactService,
  ) {}

  async updateRecord(request: UpdateRecordRequest): Promise<UpdateRecordResponse> {
    if (!request.record) throw new InvalidArgumentError('is required', 'record');
    return { record: recordToProto(await this.records.updateRecord(recordInputFromProto(request.record))) };
  }

  async updateRecords(request: UpdateRecordsRequest): Promise<UpdateRecordsResponse> {
    if (request.records.length === 0) throw new InvalidArgumentError('is required: at least one record', 'records');
    // A record that does not convert is refused alone, as one that fails its fence is.
    const inputs = request.records.map((record) => valueOrRefusal(() => recordInputFromProto(record)));
    const answers = await answerEach(inputs, (valid) => this.records.updateRecords(valid));
    return { results: answers.map((answer) => ({ record: answer instanceof VelaError ? undefined : recordToProto(answer), ...itemStatus(answer) })) };
  }

  async getRecord(request: GetRecordRequest): Promise<GetRecordResponse> {
    return { record: recordToProto(await this.records.getRecord(request.trialId, request.attempt, request.epoch)) };
  }

  async listRecords(request: ListRecordsRequest): Promise<ListRecordsResponse> {
    const page = await this.records.listRecords(recordFilterFromProto(request.filter), {
      pageSize: request.pageSize,
      pageToken: request.pageToken,
      order: recordOrderFromProto(request.order, request.orderObjective),
    });
    return { records: page.records.map(recordToProto), nextPageToken: page.nextPageToken ?? '', totalSize: page.totalSize };
  }

  async paretoFront(request: ParetoFrontRequest): Promise<ParetoFrontResponse> {
    const objectives = request.objectives.map((spec, index) => objectiveSpecFromProto(spec, `objectives[${index}]`));
    const members = await this.records.paretoFront({ runId: request.runId, step: request.stepId, objectives, count: request.count });
    return { points: members.map((member) => ({ record: recordToProto(member.record), rank: member.rank, crowdingDistance: member.crowdingDistance })) };
  }

  async *watchRecords(request: WatchRecordsRequest, context: CallContext): AsyncIterable<WatchRecordsResponse> {
    const filter = recordFilterFromProto({ runId: request.runId, stepId: request.stepId, trialId: request.trialId, trialStates: [], resultsOnly: false });
    for await (const record of this.watcher.watch(filter, request.afterSeq, context.signal)) yield { record: recordToProto(record) };
  }

  async uploadArtifact(requests: AsyncIterable<UploadArtifactRequest>): Promise<UploadArtifactResponse> {
    const iterator = requests[Symbol.asyncIterator]();
    const first = await iterator.next();
    const metadata = first.done ? undefined : first.value.metadata;
    if (!metadata?.artifact) throw new InvalidArgumentError('the first message must carry the artifact metadata', 'metadata.artifact');
    async function* chunks(): AsyncIterable<Uint8Array> {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        if (!next.value.chunk) throw new InvalidArgumentError('only the first message may carry metadata; later ones carry chunks', 'chunk');
        yield next.value.chunk;
      }
    }
    const stored = await this.artifacts.upload(artifactUploadFromProto(metadata.artifact, metadata.requestId), chunks());
    return { artifact: artifactToProto(stored) };
  }

  async *downloadArtifact(request: DownloadArtifactRequest): AsyncIterable<DownloadArtifactResponse> {
    const { info, chunks } = await this.artifacts.download(parseArtifactName(request.name).artifact);
    yield { metadata: artifactToProto(info) };
    for await (const chunk of chunks) yield { chunk };
  }

  async getArtifact(request: GetArtifactRequest): Promise<GetArtifactResponse> {
    return { artifact: artifactToProto(await this.artifacts.get(parseArtifactName(request.name).artifact)) };
  }
}
