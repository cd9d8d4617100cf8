/** What a worker offers, or what a trial asks for (DESIGN.md: Resources). */
export interface Capacity {
  readonly gpus: number;
  /** One CPU slot = one training process. */
  readonly cpuSlots: number;
  /** 0 = not limited / not asked for. */
  readonly memoryBytes: number;
  readonly labels: Readonly<Record<string, string>>;
}

export const NO_CAPACITY: Capacity = { gpus: 0, cpuSlots: 0, memoryBytes: 0, labels: {} };

/**
 * Why `request` does not fit into `capacity`, or undefined when it fits. TrialQueueService's
 * acquire statement applies the same rules (and subtractCapacity's) in SQL; its spec checks
 * that the two agree. A trial that asks
 * for GPUs needs GPUs; one that asks for none asks for devices: its CPU slots, or as many GPUs
 * where the worker has too few free slots (a GPU worker offers none), as Vega's
 * devices_per_trainer does.
 */
export function whyItDoesNotFit(request: Capacity, capacity: Capacity): string | undefined {
  if (request.gpus > 0 && capacity.gpus < request.gpus) return `needs ${request.gpus} GPU(s), ${capacity.gpus} free`;
  const devices = Math.max(1, request.cpuSlots);
  if (request.gpus === 0 && capacity.cpuSlots < devices && capacity.gpus < devices) {
    return `needs ${devices} CPU slot(s) or GPU(s), ${capacity.cpuSlots} slot(s) and ${capacity.gpus} GPU(s) free`;
  }
  if (request.memoryBytes > 0 && capacity.memoryBytes > 0 && capacity.memoryBytes < request.memoryBytes) {
    return `needs ${formatBytes(request.memoryBytes)} of memory, ${formatBytes(capacity.memoryBytes)} free`;
  }
  for (const [key, value] of Object.entries(request.labels)) {
    if (capacity.labels[key] !== value) return `needs label ${key}=${value}`;
  }
  return undefined;
}

/** What is left of `capacity` after `request` took its share (see whyItDoesNotFit for CPU trials on GPU workers). */
export function subtractCapacity(capacity: Capacity, request: Capacity): Capacity {
  const devices = Math.max(1, request.cpuSlots);
  const usesGpu = request.gpus > 0 || capacity.cpuSlots < devices;
  return {
    gpus: capacity.gpus - (usesGpu ? (request.gpus > 0 ? request.gpus : devices) : 0),
    cpuSlots: usesGpu ? capacity.cpuSlots : capacity.cpuSlots - devices,
    memoryBytes: capacity.memoryBytes > 0 ? Math.max(0, capacity.memoryBytes - request.memoryBytes) : 0,
    labels: capacity.labels,
  };
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
