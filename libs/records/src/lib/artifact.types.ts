export const ARTIFACT_KINDS = ['CHECKPOINT', 'WEIGHTS', 'STATE_BLOB', 'OTHER'] as const;
export type ArtifactKindName = (typeof ARTIFACT_KINDS)[number];

/** What an uploader declares before sending an artifact's bytes. */
export interface ArtifactUpload {
  readonly runId?: string;
  readonly trialId?: string;
  readonly attempt?: number;
  readonly kind: ArtifactKindName;
  readonly fileName: string;
  /** Declared size in bytes; the upload must match it. */
  readonly size: number;
  /** Declared hex sha256; the upload must match it. */
  readonly sha256: string;
  /** Makes a retried upload idempotent: the same id returns the artifact stored the first time. */
  readonly requestId?: string;
}

/** A stored, complete artifact. */
export interface ArtifactInfo extends Omit<ArtifactUpload, 'requestId'> {
  readonly id: string;
  readonly storePath: string;
  readonly createdAt: Date;
}
