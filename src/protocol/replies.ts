// Encoders for everything the server writes: command replies, errors, pushes and pings. Results are
// built by string concatenation around already-serialised JSON so payloads are never re-encoded,
// and every object is newline-free (the framing relies on it).

import type { ClientInfo, Publication } from './publication.js';
import type { ProtocolError } from './codes.js';

/** The server ping: an empty object. centrifuge-js answers with `{}` when connect said pong:true. */
export const PING = '{}';

export function encodeReply(id: number, method: string, resultJson = '{}'): string {
  return `{"id":${id},"${method}":${resultJson}}`;
}

export function encodeError(id: number, error: ProtocolError): string {
  const temporary = error.temporary === true ? ',"temporary":true' : '';
  return `{"id":${id},"error":{"code":${error.code},"message":${JSON.stringify(error.message)}${temporary}}}`;
}

export function encodeClientInfo(info: ClientInfo): string {
  return `{"user":${JSON.stringify(info.user)},"client":${JSON.stringify(info.client)}}`;
}

/** The Publication object (no epoch: the client would overwrite its stored epoch with it). */
export function encodePublication(pub: Publication): string {
  let json = `{"data":${pub.data}`;
  if (pub.info !== undefined) json += `,"info":${encodeClientInfo(pub.info)}`;
  if (pub.offset !== undefined && pub.offset > 0) json += `,"offset":${pub.offset}`;
  return json + '}';
}

export function encodePubPush(channel: string, pub: Publication): string {
  return `{"push":{"channel":${JSON.stringify(channel)},"pub":${encodePublication(pub)}}}`;
}

export function encodeJoinPush(channel: string, info: ClientInfo): string {
  return `{"push":{"channel":${JSON.stringify(channel)},"join":{"info":${encodeClientInfo(info)}}}}`;
}

export function encodeLeavePush(channel: string, info: ClientInfo): string {
  return `{"push":{"channel":${JSON.stringify(channel)},"leave":{"info":${encodeClientInfo(info)}}}}`;
}

export function encodeUnsubscribePush(channel: string, code: number, reason: string): string {
  return `{"push":{"channel":${JSON.stringify(channel)},"unsubscribe":{"code":${code},"reason":${JSON.stringify(reason)}}}}`;
}

export function encodeMessagePush(dataJson: string): string {
  return `{"push":{"message":{"data":${dataJson}}}}`;
}

/** Emulation transports have no close frame: the reason for closing comes as a push. */
export function encodeDisconnectPush(code: number, reason: string, reconnect: boolean): string {
  return `{"push":{"disconnect":{"code":${code},"reason":${JSON.stringify(reason)},"reconnect":${reconnect}}}}`;
}
