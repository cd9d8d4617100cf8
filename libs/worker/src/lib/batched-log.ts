/**
 * A log that writes its lines in batches, one write per `intervalMs` at most: on Linux a
 * write to a pipe (how a supervisor, a container runtime or `vela run` reads a service's
 * output) is synchronous, and a busy worker logs lines per trial. Lines still buffered are
 * written when the process exits.
 */
export function batchedLog(stream: NodeJS.WritableStream = process.stdout, intervalMs = 50): (line: string) => void {
  let buffered = '';
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!buffered) return;
    const text = buffered;
    buffered = '';
    stream.write(text);
  };
  process.once('exit', flush);
  return (line) => {
    buffered += `${line}\n`;
    if (!timer) {
      timer = setTimeout(flush, intervalMs);
      timer.unref();
    }
  };
}
