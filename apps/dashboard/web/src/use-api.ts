import { useEffect, useState } from 'react';
import { getJson } from './api-client';

export interface Loaded<T> {
  readonly data?: T;
  readonly error?: string;
}

/**
 * GETs `path` whenever it, `params` or `version` change (a live update bumps `version`); the
 * previous answer stays on screen until the next arrives, so live charts do not flicker.
 */
export function useApi<T>(path: string | undefined, params: Record<string, string | number | undefined> = {}, version = 0): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({});
  const key = JSON.stringify(params);
  useEffect(() => {
    if (!path) return;
    const abort = new AbortController();
    getJson<T>(path, JSON.parse(key) as Record<string, string>, abort.signal).then(
      (data) => setLoaded({ data }),
      (error: Error) => {
        if (!abort.signal.aborted) setLoaded((previous) => ({ data: previous.data, error: error.message }));
      },
    );
    return () => abort.abort();
  }, [path, key, version]);
  return loaded;
}

/** Re-renders every `ms` milliseconds (pages without a live feed poll). */
export function useTicker(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((value) => value + 1), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return tick;
}
