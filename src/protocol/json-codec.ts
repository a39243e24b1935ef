// The JSON codec: replies.ts's string builders (already-serialised JSON concatenated, payloads
// never re-encoded) as OutboundMessages.

import type { ProtocolError } from './codes.js';
import type { ConnectReply, ProtocolCodec, RefreshReply, StreamTop, SubscribeReply } from './codec.js';
import { OutboundMessage } from './outbound-message.js';
import type { ClientInfo, Publication } from './publication.js';
import {
  encodeClientInfo,
  encodeDisconnectPush,
  encodeError,
  encodeJoinPush,
  encodeLeavePush,
  encodePublication,
  encodePubPush,
  encodeReply,
  encodeUnsubscribePush,
  PING,
} from './replies.js';

function ttlFields(ttl: number | undefined): string {
  return ttl === undefined ? '' : `,"expires":true,"ttl":${ttl}`;
}

export const JSON_CODEC: ProtocolCodec = {
  name: 'json',
  index: 0,
  binary: false,
  ping: new OutboundMessage(PING),

  connect(id: number, r: ConnectReply): OutboundMessage {
    let result = `{"client":"${r.client}","version":${JSON.stringify(r.version)}${ttlFields(r.ttl)},"ping":${r.ping},"pong":${r.pong}`;
    if (r.session !== undefined) result += `,"session":${JSON.stringify(r.session)}`;
    if (r.node !== undefined) result += `,"node":${JSON.stringify(r.node)}`;
    return new OutboundMessage(encodeReply(id, 'connect', result + '}'));
  },

  refresh(id: number, r: RefreshReply): OutboundMessage {
    return new OutboundMessage(encodeReply(id, 'refresh', `{"client":"${r.client}","version":${JSON.stringify(r.version)}${ttlFields(r.ttl)}}`));
  },

  subscribe(id: number, r: SubscribeReply): OutboundMessage {
    const parts: string[] = [];
    if (r.position !== undefined) {
      parts.push('"recoverable":true', '"positioned":true', `"epoch":${JSON.stringify(r.position.epoch)}`);
      if (r.position.offset > 0) parts.push(`"offset":${r.position.offset}`);
    }
    if (r.wasRecovering === true) parts.push('"was_recovering":true');
    if (r.recovered === true) parts.push('"recovered":true');
    if (r.publications !== undefined && r.publications.length > 0) parts.push(`"publications":[${r.publications.map(encodePublication).join(',')}]`);
    if (r.data !== undefined) parts.push(`"data":${r.data}`);
    return new OutboundMessage(encodeReply(id, 'subscribe', `{${parts.join(',')}}`));
  },

  empty(id: number, method: 'publish' | 'unsubscribe'): OutboundMessage {
    return new OutboundMessage(encodeReply(id, method));
  },

  rpc(id: number, dataJson: string): OutboundMessage {
    return new OutboundMessage(encodeReply(id, 'rpc', `{"data":${dataJson}}`));
  },

  presence(id: number, clients: ReadonlyMap<string, ClientInfo>): OutboundMessage {
    const body = [...clients].map(([clientId, info]) => `${JSON.stringify(clientId)}:${encodeClientInfo(info)}`).join(',');
    return new OutboundMessage(encodeReply(id, 'presence', `{"presence":{${body}}}`));
  },

  presenceStats(id: number, numClients: number, numUsers: number): OutboundMessage {
    return new OutboundMessage(encodeReply(id, 'presence_stats', `{"num_clients":${numClients},"num_users":${numUsers}}`));
  },

  history(id: number, publications: readonly Publication[], top: StreamTop): OutboundMessage {
    const pubs = publications.length === 0 ? 'null' : `[${publications.map(encodePublication).join(',')}]`;
    return new OutboundMessage(encodeReply(id, 'history', `{"publications":${pubs},"epoch":${JSON.stringify(top.epoch)},"offset":${top.offset}}`));
  },

  error(id: number, error: ProtocolError): OutboundMessage {
    return new OutboundMessage(encodeError(id, error));
  },

  publicationPush: (channel, publication) => new OutboundMessage(encodePubPush(channel, publication)),
  joinPush: (channel, info) => new OutboundMessage(encodeJoinPush(channel, info)),
  leavePush: (channel, info) => new OutboundMessage(encodeLeavePush(channel, info)),
  unsubscribePush: (channel, code, reason) => new OutboundMessage(encodeUnsubscribePush(channel, code, reason)),
  disconnectPush: (code, reason, reconnect) => new OutboundMessage(encodeDisconnectPush(code, reason, reconnect)),
};
