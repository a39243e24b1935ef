// centrifuge-js over each of its transports and codecs against a test hub, as test "variants": the
// same protocol tests run over a WebSocket (JSON, protobuf), HTTP-streaming (JSON, protobuf) and SSE
// (JSON). A variant also knows how to cut a client's connection the way a network failure does (for
// the recovery tests) and how the app's data looks in its codec (protobuf clients publish and receive
// bytes: the JSON text's UTF-8).

import type { Centrifuge, TransportEndpoint } from 'centrifuge';
import { EventSource } from 'eventsource';
import { newClient, RecordingWebSocket, type ClientOptions } from './centrifuge.js';

export type VariantTransport = 'websocket' | 'http_stream' | 'sse';

/** Where a hub serves Live (a test hub, or a proxy in front of it). */
export interface LiveEndpoints {
  readonly httpUrl: string;
  readonly wsUrl: string;
}

/**
 * Records the HTTP requests a client's fetch and EventSource make, so a test can cut them as a broken
 * network would: a response body that was being read fails (a network error, not an abort: EventSource
 * ignores aborts it did not ask for), and the request is aborted.
 */
export class NetworkTap {
  private readonly cuts: Array<() => void> = [];

  readonly fetch = async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const controller = new AbortController();
    const outer = init.signal;
    if (outer !== undefined && outer !== null) {
      if (outer.aborted) controller.abort();
      else outer.addEventListener('abort', () => controller.abort(), { once: true });
    }
    const response = await fetch(input, { ...init, signal: controller.signal });
    if (response.body === null) {
      this.cuts.push(() => controller.abort());
      return response;
    }
    const reader = response.body.getReader();
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        stream = c;
      },
      pull: async (c) => {
        try {
          const { done, value } = await reader.read();
          if (done) c.close();
          else c.enqueue(value);
        } catch (err) {
          c.error(err);
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
    this.cuts.push(() => {
      try {
        stream?.error(new TypeError('network connection lost'));
      } catch {
        // already closed
      }
      controller.abort();
    });
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };

  /** An EventSource class whose requests go through this tap. */
  readonly EventSource: typeof EventSource = tappedEventSource(this);

  /** Cuts every request made so far. */
  cutAll(): void {
    for (const cut of this.cuts.splice(0)) cut();
  }
}

function tappedEventSource(tap: NetworkTap): typeof EventSource {
  return class TappedEventSource extends EventSource {
    constructor(url: string | URL, init?: ConstructorParameters<typeof EventSource>[1]) {
      super(url, { ...init, fetch: tap.fetch });
    }
  };
}

export interface ClientVariant {
  readonly name: string;
  readonly transport: VariantTransport;
  readonly protobuf: boolean;
  /** A client of this variant (not connected yet). */
  client(live: LiveEndpoints, options?: ClientOptions): Centrifuge;
  /** Cuts the client's connection as a network failure would: it reconnects by itself. */
  cut(client: Centrifuge): void;
  /** What the app passes to publish for this JSON value. */
  data(value: unknown): unknown;
  /** The JSON value of data the app received. */
  value(data: unknown): unknown;
}

const taps = new WeakMap<Centrifuge, NetworkTap>();

/** The transport list for centrifuge-js: endpoints in the order given. */
export function transportEndpoints(live: LiveEndpoints, transports: readonly VariantTransport[]): TransportEndpoint[] {
  return transports.map((transport) => ({
    transport,
    endpoint: transport === 'websocket' ? live.wsUrl : `${live.httpUrl}/api/live/${transport}`,
  }));
}

/** A client trying `transports` in order (centrifuge-js's fallback), its requests tapped. */
export function fallbackClient(live: LiveEndpoints, transports: readonly VariantTransport[], options: ClientOptions = {}): Centrifuge {
  const tap = new NetworkTap();
  const client = newClient(transportEndpoints(live, transports), {
    websocket: RecordingWebSocket,
    ...options,
    emulationEndpoint: options.emulationEndpoint ?? `${live.httpUrl}/api/live/emulation`,
    fetch: tap.fetch,
    eventsource: tap.EventSource,
  });
  taps.set(client, tap);
  return client;
}

/** Cuts the HTTP requests of a client made by fallbackClient (its streams fail like a broken network). */
export function cutStreams(client: Centrifuge): void {
  taps.get(client)!.cutAll();
}

function variant(transport: VariantTransport, protobuf: boolean): ClientVariant {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  return {
    name: `${transport} ${protobuf ? 'protobuf' : 'json'}`,
    transport,
    protobuf,
    client: (live, options = {}) => fallbackClient(live, [transport], { ...options, protobuf }),
    cut: (client) => {
      if (transport === 'websocket') RecordingWebSocket.instances[RecordingWebSocket.instances.length - 1]!.terminate();
      else cutStreams(client);
    },
    data: (value) => (protobuf ? encoder.encode(JSON.stringify(value)) : value),
    value: (data) => (protobuf ? (JSON.parse(decoder.decode(data as Uint8Array)) as unknown) : data),
  };
}

export const WEBSOCKET_JSON = variant('websocket', false);
export const WEBSOCKET_PROTOBUF = variant('websocket', true);
export const HTTP_STREAM_JSON = variant('http_stream', false);
export const HTTP_STREAM_PROTOBUF = variant('http_stream', true);
/** SSE carries JSON only (EventSource reads text; centrifuge-js sends no protobuf over it). */
export const SSE_JSON = variant('sse', false);
