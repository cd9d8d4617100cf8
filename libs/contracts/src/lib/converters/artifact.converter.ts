import type { ArtifactInfo, ArtifactKindName, ArtifactUpload } from '@vela/records';
import { ArtifactKind, type Artifact } from '../../generated/vela/v1/artifact';
import { artifactName } from '../resource-names';
import { enumConverter } from './enum.converter';

export const artifactKindConverter = enumConverter<typeof ArtifactKind, ArtifactKindName>(ArtifactKind, 'ARTIFACT_KIND_');

/** The declared metadata of an upload (the first message of UploadArtifact). */
export function artifactUploadFromProto(artifact: Artifact, requestId: string, field = 'metadata.artifact'): ArtifactUpload {
  return {
    runId: artifact.runId || undefined,
    trialId: artifact.trialId || undefined,
    attempt: artifact.attempt || undefined,
    kind: artifactKindConverter.toName(artifact.kind, `${field}.kind`),
    fileName: artifact.fileName,
    size: artifact.sizeBytes,
    sha256: artifact.sha256,
    requestId: requestId || undefined,
  };
}

export function artifactToProto(artifact: ArtifactInfo): Artifact {
  return {
    name: artifactName(artifact.id),
    id: artifact.id,
    runId: artifact.runId ?? '',
    trialId: artifact.trialId ?? '',
    attempt: artifact.attempt ?? 0,
    kind: artifactKindConverter.toProto(artifact.kind),
    fileName: artifact.fileName,
    sizeBytes: artifact.size,
    sha256: artifact.sha256,
    storePath: artifact.storePath,
    complete: true,
    createTime: artifact.createdAt,
  };
}
