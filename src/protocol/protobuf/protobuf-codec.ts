// The protobuf codec: every reply and push is a generated `Reply` (messages.ts), encoded with its
// varint length prefix, so replies written back to back form the stream the protocol defines (one
// WebSocket binary message or HTTP-stream chunk may carry several). `data` values are the UTF-8
// bytes of the JSON text livehub carries, exactly as a publisher sent it.

import type { ProtocolError } from '../codes.js';
import type { ConnectReply, ProtocolCodec, RefreshReply, StreamTop, SubscribeReply } from '../codec.js';
import { OutboundMessage } from '../outbound-message.js';
import type { ClientInfo, Publication } from '../publication.js';
import { pb, type Pb } from './messages.js';

type ReplyProps = ConstructorParameters<Pb['Reply']>[0] & object;
type PublicationProps = ConstructorParameters<Pb['Publication']>[0] & object;

function delimited(reply: ReplyProps): OutboundMessage {
  const bytes = pb.Reply.encodeDelimited(reply).finish();
  return OutboundMessage.binary(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
}

function utf8(json: string): Buffer {
  return Buffer.from(json, 'utf8');
}

function info(client: ClientInfo): { user: string; client: string } {
  return { user: client.user, client: client.client };
}

/** As the JSON codec: no epoch on a publication (the client would take it for its stream's). */
function publication(pub: Publication): PublicationProps {
  const props: PublicationProps = { data: utf8(pub.data) };
  if (pub.info !== undefined) props.info = info(pub.info);
  if (pub.offset !== undefined && pub.offset > 0) props.offset = pub.offset;
  return props;
}

function ttlFields(ttl: number | undefined): { expires?: boolean; ttl?: number } {
  return ttl === undefined ? {} : { expires: true, ttl };
}

export const PROTOBUF_CODEC: ProtocolCodec = {
  name: 'protobuf',
  index: 1,
  binary: true,
  // An empty Reply: its length prefix alone, one zero byte.
  ping: delimited({}),

  connect(id: number, r: ConnectReply): OutboundMessage {
    return delimited({
      id,
      connect: {
        client: r.client, version: r.version, ...ttlFields(r.ttl), ping: r.ping, pong: r.pong,
        ...(r.session !== undefined ? { session: r.session } : {}),
        ...(r.node !== undefined ? { node: r.node } : {}),
      },
    });
  },

  refresh(id: number, r: RefreshReply): OutboundMessage {
    return delimited({ id, refresh: { client: r.client, version: r.version, ...ttlFields(r.ttl) } });
  },

  subscribe(id: number, r: SubscribeReply): OutboundMessage {
    const result: NonNullable<ReplyProps['subscribe']> = {};
    if (r.position !== undefined) {
      result.recoverable = true;
      result.positioned = true;
      result.epoch = r.position.epoch;
      if (r.position.offset > 0) result.offset = r.position.offset;
    }
    if (r.wasRecovering === true) result.was_recovering = true;
    if (r.recovered === true) result.recovered = true;
    if (r.publications !== undefined && r.publications.length > 0) result.publications = r.publications.map(publication);
    if (r.data !== undefined) result.data = utf8(r.data);
    return delimited({ id, subscribe: result });
  },

  empty(id: number, method: 'publish' | 'unsubscribe'): OutboundMessage {
    return delimited(method === 'publish' ? { id, publish: {} } : { id, unsubscribe: {} });
  },

  rpc(id: number, dataJson: string): OutboundMessage {
    return delimited({ id, rpc: { data: utf8(dataJson) } });
  },

  presence(id: number, clients: ReadonlyMap<string, ClientInfo>): OutboundMessage {
    const presence: Record<string, { user: string; client: string }> = {};
    for (const [clientId, client] of clients) presence[clientId] = info(client);
    return delimited({ id, presence: { presence } });
  },

  presenceStats(id: number, numClients: number, numUsers: number): OutboundMessage {
    return delimited({ id, presence_stats: { num_clients: numClients, num_users: numUsers } });
  },

  history(id: number, publications: readonly Publication[], top: StreamTop): OutboundMessage {
    return delimited({ id, history: { publications: publications.map(publication), epoch: top.epoch, offset: top.offset } });
  },

  error(id: number, error: ProtocolError): OutboundMessage {
    return delimited({ id, error: { code: error.code, message: error.message, ...(error.temporary === true ? { temporary: true } : {}) } });
  },

  publicationPush: (channel, pub) => delimited({ push: { channel, pub: publication(pub) } }),
  joinPush: (channel, client) => delimited({ push: { channel, join: { info: info(client) } } }),
  leavePush: (channel, client) => delimited({ push: { channel, leave: { info: info(client) } } }),
  unsubscribePush: (channel, code, reason) => delimited({ push: { channel, unsubscribe: { code, reason } } }),
  disconnectPush: (code, reason, reconnect) => delimited({ push: { disconnect: { code, reason, reconnect } } }),
};
