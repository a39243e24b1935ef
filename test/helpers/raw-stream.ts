// A raw HTTP-streaming / SSE Live client (no centrifuge-js): opens the stream with its first
// commands, collects the JSON replies it reads, posts later commands to the emulation endpoint with
// the session and node of the connect reply, and can stop reading to play a stalled client.

import { request, type ClientRequest, type IncomingMessage } from 'node:http';
import { waitUntil } from '../../harness/wait.js';

type Json = Record<string, unknown>;

export class RawStreamClient {
  readonly replies: Json[] = [];
  private buffer = '';
  private ended = false;
  private constructor(
    private readonly httpUrl: string,
    private readonly req: ClientRequest,
    readonly response: IncomingMessage,
    private readonly sse: boolean,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.read(chunk));
    response.on('end', () => {
      this.ended = true;
    });
    response.on('close', () => {
      this.ended = true;
    });
  }

  /** POST /api/live/http_stream (JSON) with `commands` as the body. */
  static async httpStream(httpUrl: string, commands: Json[], headers: Record<string, string> = {}): Promise<RawStreamClient> {
    const body = commands.map((c) => JSON.stringify(c)).join('\n');
    return RawStreamClient.open(httpUrl, 'POST', '/api/live/http_stream', { 'Content-Type': 'application/json', ...headers }, body, false);
  }

  /** GET /api/live/sse?cf_connect=<command>. */
  static async sse(httpUrl: string, connect: Json, headers: Record<string, string> = {}): Promise<RawStreamClient> {
    return RawStreamClient.open(httpUrl, 'GET', `/api/live/sse?cf_connect=${encodeURIComponent(JSON.stringify(connect))}`, headers, undefined, true);
  }

  private static open(httpUrl: string, method: string, path: string, headers: Record<string, string>, body: string | undefined, sse: boolean): Promise<RawStreamClient> {
    return new Promise((resolve, reject) => {
      const req = request(`${httpUrl}${path}`, { method, headers }, (res) => resolve(new RawStreamClient(httpUrl, req, res, sse)));
      req.on('error', reject);
      req.end(body);
    });
  }

  private read(chunk: string): void {
    this.buffer += chunk;
    const separator = this.sse ? '\n\n' : '\n';
    let at = this.buffer.indexOf(separator);
    while (at >= 0) {
      const unit = this.buffer.slice(0, at);
      this.buffer = this.buffer.slice(at + separator.length);
      const lines = this.sse ? unit.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)) : [unit];
      for (const line of lines) if (line.trim() !== '') this.replies.push(JSON.parse(line) as Json);
      at = this.buffer.indexOf(separator);
    }
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** The first reply matching `match`, waiting for it. */
  async next(match: (reply: Json) => boolean, what = 'reply', timeoutMs = 5000): Promise<Json> {
    await waitUntil(() => this.replies.some(match), what, timeoutMs, 10);
    return this.replies.find(match)!;
  }

  reply(id: number): Promise<Json> {
    return this.next((r) => r['id'] === id, `reply ${id}`);
  }

  /** The disconnect push that ends the stream. */
  async disconnect(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const push = await this.next((r) => (r['push'] as Json | undefined)?.['disconnect'] !== undefined, 'disconnect push', timeoutMs);
    return (push['push'] as { disconnect: { code: number; reason: string } }).disconnect;
  }

  /** The session and node of the connect reply. */
  async session(): Promise<{ session: string; node: string }> {
    const connect = (await this.next((r) => r['connect'] !== undefined, 'connect reply'))['connect'] as { session: string; node: string };
    return { session: connect.session, node: connect.node };
  }

  /** POSTs commands to `emulationUrl` (default: the same hub) for this session. */
  async post(commands: Json[], emulationUrl = `${this.httpUrl}/api/live/emulation`): Promise<number> {
    const { session, node } = await this.session();
    const res = await fetch(emulationUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ session, node, data: commands.map((c) => JSON.stringify(c)).join('\n') }),
    });
    await res.arrayBuffer();
    return res.status;
  }

  /** Stops reading: the server's writes pile up in its buffers. */
  stopReading(): void {
    this.response.pause();
    this.response.socket.pause();
  }

  close(): void {
    this.req.destroy();
    this.response.destroy();
  }
}
