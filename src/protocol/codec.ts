// A session speaks one of two codecs of the Centrifuge protocol: JSON (text, one object per line) or
// protobuf (binary, varint-length-delimited messages; protocol/protobuf/). Everything the server
// writes is built through this interface, from the same values, so the session and the hub never
// know which codec a client uses. `data` values are JSON text (what livehub carries): the JSON codec
// writes them as they are, the protobuf codec as their UTF-8 bytes.

import type { ProtocolError } from './codes.js';
import type { OutboundMessage } from './outbound-message.js';
import type { ClientInfo, Publication } from './publication.js';

export type CodecName = 'json' | 'protobuf';

/** Every codec, in the order of `ProtocolCodec.index`. */
export const CODEC_NAMES: readonly CodecName[] = ['json', 'protobuf'];

export interface ConnectReply {
  readonly client: string;
  readonly version: string;
  /** Seconds until the client should refresh; only for a credential it can refresh (connect token). */
  readonly ttl?: number;
  readonly ping: number;
  readonly pong: boolean;
  /** Emulation transports (HTTP-streaming, SSE): the secret id the client sends its commands with... */
  readonly session?: string;
  /** ...and the node that holds the session. */
  readonly node?: string;
}

export interface RefreshReply {
  readonly client: string;
  readonly version: string;
  readonly ttl?: number;
}

export interface StreamTop {
  readonly offset: number;
  readonly epoch: string;
}

export interface SubscribeReply {
  /** A positioned (recoverable) subscription: the stream position it starts at. */
  readonly position?: StreamTop;
  readonly wasRecovering?: boolean;
  readonly recovered?: boolean;
  readonly publications?: readonly Publication[];
  /** Initial data as JSON text. */
  readonly data?: string;
}

export interface ProtocolCodec {
  readonly name: CodecName;
  /** Position in CODEC_NAMES (the slot of shared pushes' per-codec messages). */
  readonly index: number;
  /** WebSocket frames are binary (protobuf) rather than text (JSON). */
  readonly binary: boolean;
  /** The server ping (an empty reply), shared by every session of the codec. */
  readonly ping: OutboundMessage;

  connect(id: number, reply: ConnectReply): OutboundMessage;
  refresh(id: number, reply: RefreshReply): OutboundMessage;
  subscribe(id: number, reply: SubscribeReply): OutboundMessage;
  /** A reply without a result body: publish, unsubscribe. */
  empty(id: number, method: 'publish' | 'unsubscribe'): OutboundMessage;
  rpc(id: number, dataJson: string): OutboundMessage;
  presence(id: number, clients: ReadonlyMap<string, ClientInfo>): OutboundMessage;
  presenceStats(id: number, numClients: number, numUsers: number): OutboundMessage;
  history(id: number, publications: readonly Publication[], top: StreamTop): OutboundMessage;
  error(id: number, error: ProtocolError): OutboundMessage;

  publicationPush(channel: string, publication: Publication): OutboundMessage;
  joinPush(channel: string, info: ClientInfo): OutboundMessage;
  leavePush(channel: string, info: ClientInfo): OutboundMessage;
  unsubscribePush(channel: string, code: number, reason: string): OutboundMessage;
  /**
   * How an emulation transport (no close frame) tells the client why it closes; centrifuge-js
   * then acts as on a WebSocket close with that code.
   */
  disconnectPush(code: number, reason: string, reconnect: boolean): OutboundMessage;
}
