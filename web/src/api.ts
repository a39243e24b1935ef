// HTTP calls to livehub with URLs relative to the page, so the console also works behind a
// reverse proxy under a sub-path. Every answer is reduced to status + parsed JSON + a readable error.

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  /** The server's `{"message": …}` or a description of the network failure. */
  readonly error?: string;
}

export function apiUrl(path: string): string {
  return new URL(path, window.location.href).toString();
}

/** ws(s)://<host>/<page dir>/api/live/ws, like Grafana's app URL with http → ws. */
export function liveWebSocketUrl(): string {
  const url = new URL('api/live/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * The transports centrifuge-js tries, in order: the WebSocket, then HTTP-streaming and SSE for
 * networks whose proxies block or buffer WebSocket upgrades (docs/reverse-proxy.md).
 */
export function liveTransports(): Array<{ transport: 'websocket' | 'http_stream' | 'sse'; endpoint: string }> {
  return [
    { transport: 'websocket', endpoint: liveWebSocketUrl() },
    { transport: 'http_stream', endpoint: apiUrl('api/live/http_stream') },
    { transport: 'sse', endpoint: apiUrl('api/live/sse') },
  ];
}

/** Where an HTTP-streaming or SSE connection posts its commands. */
export function liveEmulationUrl(): string {
  return apiUrl('api/live/emulation');
}

function messageOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message = (body as { message: unknown }).message;
    if (typeof message === 'string') return message;
  }
  return undefined;
}

export async function request(path: string, init: RequestInit = {}): Promise<ApiResponse> {
  let res: Response;
  try {
    res = await fetch(apiUrl(path), { cache: 'no-store', ...init });
  } catch (err) {
    return { status: 0, body: undefined, error: `network error: ${err instanceof Error ? err.message : String(err)}` };
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok) return { status: res.status, body };
  const error = messageOf(body) ?? (text !== '' && body === undefined ? text.slice(0, 200) : `${res.status} ${res.statusText}`);
  return { status: res.status, body, error };
}

export function postJson(path: string, payload: unknown): Promise<ApiResponse> {
  return request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
}
