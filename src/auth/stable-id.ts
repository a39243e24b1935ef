// Decimal user ids for principals that have no numeric id of their own (JWT subjects such as
// "alice@example.com", API token names). Identity.userId must be a decimal string because it is
// shown to clients as ClientInfo.user, and it must stay the same across restarts and nodes.

import { createHash } from 'node:crypto';

/** Derived ids live in [2^48, 2^49): above any realistic numeric user id, within JS safe integers. */
export const DERIVED_ID_BASE = 2 ** 48;

/** Stable decimal id: 2^48 + the first 48 bits of SHA-256("<kind>\0<value>"). */
export function derivedUserId(kind: string, value: string): string {
  const digest = createHash('sha256').update(`${kind}\0${value}`).digest();
  return String(DERIVED_ID_BASE + digest.readUIntBE(0, 6));
}
