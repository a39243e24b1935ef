// The real, unmodified `centrifuge` npm client running on Node with `ws` as its WebSocket (and, for
// the fallback transports, Node's fetch and the `eventsource` package), in its JSON or protobuf build,
// plus small promise helpers. RecordingWebSocket keeps each socket so a test can stop reading from one.

import { Centrifuge, type PublicationContext, type Subscription, type TransportEndpoint } from 'centrifuge';
import { Centrifuge as CentrifugeProtobuf } from 'centrifuge/build/protobuf';
import { WebSocket } from 'ws';

export class RecordingWebSocket extends WebSocket {
  static readonly instances: RecordingWebSocket[] = [];

  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    RecordingWebSocket.instances.push(this);
  }

  /** Stops reading from the TCP socket: the server's writes pile up in its queue. */
  stopReading(): void {
    (this as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resumeReading(): void {
    (this as unknown as { _socket: { resume(): void } })._socket.resume();
  }
}

export interface ClientOptions {
  readonly token?: string;
  /** centrifuge-js calls it for the first connect token and whenever a reply says the token expires. */
  readonly getToken?: () => Promise<string>;
  readonly timeout?: number;
  readonly minReconnectDelay?: number;
  readonly maxReconnectDelay?: number;
  readonly websocket?: unknown;
  /** centrifuge-js's protobuf build (`centrifuge/build/protobuf`) instead of the JSON one. */
  readonly protobuf?: boolean;
  /** Emulation transports: where commands go (absolute: Node's fetch takes no relative URL). */
  readonly emulationEndpoint?: string;
  readonly fetch?: unknown;
  readonly eventsource?: unknown;
}

const liveClients = new Set<Centrifuge>();

/** Disconnects every client a test created, so a failed test cannot leave a reconnect loop running. */
export function disconnectAllClients(): void {
  for (const client of liveClients) client.disconnect();
  liveClients.clear();
}

/** `endpoint`: a WebSocket URL, or transports to try in order (centrifuge-js's fallback). */
export function newClient(endpoint: string | TransportEndpoint[], options: ClientOptions = {}): Centrifuge {
  const Client = options.protobuf === true ? (CentrifugeProtobuf as unknown as typeof Centrifuge) : Centrifuge;
  const client = new Client(endpoint, {
    websocket: options.websocket ?? WebSocket,
    ...(options.emulationEndpoint !== undefined ? { emulationEndpoint: options.emulationEndpoint } : {}),
    ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    ...(options.eventsource !== undefined ? { eventsource: options.eventsource } : {}),
    timeout: options.timeout ?? 5000,
    minReconnectDelay: options.minReconnectDelay ?? 100,
    maxReconnectDelay: options.maxReconnectDelay ?? 500,
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.getToken !== undefined ? { getToken: options.getToken } : {}),
  });
  liveClients.add(client);
  return client;
}

export function connected(client: Centrifuge): Promise<void> {
  return new Promise((resolve, reject) => {
    client.once('connected', () => resolve());
    client.once('disconnected', (ctx) => reject(new Error(`disconnected ${ctx.code} ${ctx.reason}`)));
    client.connect();
  });
}

export function disconnected(client: Centrifuge): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.once('disconnected', (ctx) => resolve({ code: ctx.code, reason: ctx.reason })));
}

export interface SubscribedInfo {
  readonly data: unknown;
  readonly recovered: boolean;
  readonly wasRecovering: boolean;
  readonly recoverable: boolean;
}

export function subscribed(sub: Subscription): Promise<SubscribedInfo> {
  return new Promise((resolve, reject) => {
    const onError = (ctx: { error: { code: number; message: string } }): void => {
      sub.removeAllListeners();
      reject(Object.assign(new Error(`subscribe error ${ctx.error.code} ${ctx.error.message}`), { code: ctx.error.code }));
    };
    sub.once('subscribed', (ctx) => {
      sub.off('error', onError);
      resolve({ data: ctx.data, recovered: ctx.recovered, wasRecovering: ctx.wasRecovering, recoverable: ctx.recoverable });
    });
    sub.once('error', onError);
    sub.once('unsubscribed', (ctx) => reject(Object.assign(new Error(`unsubscribed ${ctx.code} ${ctx.reason}`), { code: ctx.code })));
    sub.subscribe();
  });
}

/** Collects publications of a subscription. */
export function collect(sub: Subscription): PublicationContext[] {
  const received: PublicationContext[] = [];
  sub.on('publication', (ctx) => received.push(ctx));
  return received;
}
