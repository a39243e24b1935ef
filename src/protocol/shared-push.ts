// A push that many sessions receive (a publication, a join, a leave), encoded at most once per codec
// and only for codecs that have a receiver: the hub builds one per channel string, each session takes
// the message of its own codec (`in`), and the first session of a codec pays the encoding.

import type { ProtocolCodec } from './codec.js';
import type { OutboundMessage } from './outbound-message.js';
import type { ClientInfo, Publication } from './publication.js';

export abstract class SharedPush {
  private json: OutboundMessage | undefined;
  private protobuf: OutboundMessage | undefined;

  constructor(readonly channel: string) {}

  /** The push in `codec`'s encoding, built on first use. */
  in(codec: ProtocolCodec): OutboundMessage {
    if (codec.index === 0) return (this.json ??= this.encode(codec));
    return (this.protobuf ??= this.encode(codec));
  }

  protected abstract encode(codec: ProtocolCodec): OutboundMessage;
}

export class PublicationPush extends SharedPush {
  constructor(
    channel: string,
    readonly publication: Publication,
  ) {
    super(channel);
  }

  protected encode(codec: ProtocolCodec): OutboundMessage {
    return codec.publicationPush(this.channel, this.publication);
  }
}

export class PresenceEventPush extends SharedPush {
  constructor(
    channel: string,
    private readonly kind: 'join' | 'leave',
    readonly info: ClientInfo,
  ) {
    super(channel);
  }

  protected encode(codec: ProtocolCodec): OutboundMessage {
    return this.kind === 'join' ? codec.joinPush(this.channel, this.info) : codec.leavePush(this.channel, this.info);
  }
}
