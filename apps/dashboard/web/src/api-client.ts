import type { ApiError } from '@vela/dashboard/api';

// Every /api request carries the cluster token. The browser keeps it in localStorage after a
// login prompt, or takes it once from the URL fragment (`#token=...`, which never reaches a
// server log), then removes it from the address bar.

const TOKEN_KEY = 'vela.dashboard.token';
const UNAUTHORIZED_EVENT = 'vela:unauthorized';

export function takeTokenFromFragment(): void {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (!token) return;
  saveToken(token);
  fragment.delete('token');
  const rest = fragment.toString();
  window.history.replaceState(null, '', `${window.location.pathname}${window.location.search}${rest ? `#${rest}` : ''}`);
}

export const storedToken = (): string | null => window.localStorage.getItem(TOKEN_KEY);
export const saveToken = (token: string): void => window.localStorage.setItem(TOKEN_KEY, token);
export const forgetToken = (): void => window.localStorage.removeItem(TOKEN_KEY);

/** Calls `listener` whenever the API refuses the token; returns the unsubscribe. */
export function onUnauthorized(listener: () => void): () => void {
  window.addEventListener(UNAUTHORIZED_EVENT, listener);
  return () => window.removeEventListener(UNAUTHORIZED_EVENT, listener);
}

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function url(path: string, params: Record<string, string | number | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, String(value));
  const text = query.toString();
  return `/api${path}${text ? `?${text}` : ''}`;
}

export async function getJson<T>(path: string, params?: Record<string, string | number | undefined>, signal?: AbortSignal): Promise<T> {
  const token = storedToken();
  const response = await fetch(url(path, params), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal });
  if (response.status === 401) window.dispatchEvent(new Event(UNAUTHORIZED_EVENT));
  if (!response.ok) {
    const body = (await response.json().catch(() => ({ message: response.statusText }))) as Partial<ApiError>;
    throw new ApiRequestError(response.status, body.message ?? response.statusText);
  }
  return (await response.json()) as T;
}

/** A live feed: EventSource cannot send headers, so the token travels as `?token=`. */
export function openEvents(path: string): EventSource {
  return new EventSource(url(path, { token: storedToken() ?? undefined }));
}
