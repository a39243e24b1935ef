// The counts behind the caps of unauthenticated connections, the refresh ttl a client is given,
// and the cross-node revocation message.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress, resolveUnauthenticatedLimit, UnauthenticatedConnections, ANONYMOUS_SESSION } from '../../src/live/admission.js';
import { refreshTtlSeconds } from '../../src/live/client.js';
import { decodeCredentialChange, encodeCredentialChange, endingFor, MAX_CREDENTIAL_IDS_PER_MESSAGE } from '../../src/live/credentials.js';

test('pending sockets count per address and in total; anonymous sessions in total only; every count comes back', () => {
  const gate = new UnauthenticatedConnections(3, 2);
  assert.ok(gate.admitsPendingFrom('10.0.0.1'));
  assert.ok(gate.add('10.0.0.1'));
  assert.ok(gate.add('10.0.0.1'));
  assert.equal(gate.admitsPendingFrom('10.0.0.1'), false, 'two pending from this address');
  assert.ok(gate.admitsPendingFrom('10.0.0.2'));
  assert.ok(gate.add('10.0.0.2'));
  assert.equal(gate.add('10.0.0.3'), false, 'three in total');
  assert.deepEqual([gate.rejectedByAddressLimit, gate.rejectedByNodeLimit], [1, 1]);

  gate.connectedAnonymously('10.0.0.1');
  assert.ok(gate.admitsPendingFrom('10.0.0.1'), 'a connected anonymous session frees its address budget');
  assert.equal(gate.count, 3, 'but still holds an unauthenticated slot');
  gate.remove(ANONYMOUS_SESSION);
  gate.remove('10.0.0.1');
  gate.remove('10.0.0.2');
  assert.deepEqual([gate.count, gate.addresses], [0, 0]);
});

test('-1 means no cap; a share follows max_connections', () => {
  const open = new UnauthenticatedConnections(-1, -1);
  for (let i = 0; i < 1000; i++) assert.ok(open.admitsPendingFrom('x') && open.add('x'));
  assert.equal(resolveUnauthenticatedLimit({ percent: 90 }, 100), 90);
  assert.equal(resolveUnauthenticatedLimit({ percent: 90 }, 1), 0);
  assert.equal(resolveUnauthenticatedLimit({ percent: 90 }, -1), -1);
  assert.equal(resolveUnauthenticatedLimit({ count: 5 }, -1), 5);
  assert.equal(clientAddress('::ffff:127.0.0.9'), '127.0.0.9');
  assert.equal(clientAddress('::1'), '::1');
  assert.equal(clientAddress(undefined), 'unknown');
});

test('refresh ttl: ahead of the expiry by a tenth of the lifetime (1 s to 60 s), never 0', () => {
  const now = 1_000_000;
  assert.equal(refreshTtlSeconds(now + 3000, now), 2, '3 s token: refresh after 2 s');
  assert.equal(refreshTtlSeconds(now + 2500, now), 1);
  assert.equal(refreshTtlSeconds(now + 30_000, now), 27);
  assert.equal(refreshTtlSeconds(now + 3_600_000, now), 3540, 'an hour: one minute early');
  assert.equal(refreshTtlSeconds(now + 400, now), 1, 'almost expired: never a refresh loop');
  for (const left of [1500, 5000, 60_000, 86_400_000]) assert.ok(refreshTtlSeconds(now + left, now) * 1000 < left, `before expiry (${left} ms)`);
});

test('revocation messages: split into bounded parts, decoded back, garbage refused', () => {
  const revoked = Array.from({ length: 700 }, (_, i) => `glh:r${i}`);
  const changed = Array.from({ length: 400 }, (_, i) => `glh:c${i}`);
  const messages = encodeCredentialChange({ revoked, changed });
  assert.equal(messages.length, 3);
  const decoded = messages.map((m) => decodeCredentialChange(m)!);
  assert.deepEqual(decoded.flatMap((d) => d.revoked), revoked);
  assert.deepEqual(decoded.flatMap((d) => d.changed), changed);
  for (const d of decoded) assert.ok(d.revoked.length + d.changed.length <= MAX_CREDENTIAL_IDS_PER_MESSAGE);
  for (const bad of ['', 'null', '[]', '{"r":"x","c":[]}', '{"r":[1],"c":[]}', '{"r":[""],"c":[]}', `{"r":["${'x'.repeat(65)}"],"c":[]}`, '{"r":[]}']) {
    assert.equal(decodeCredentialChange(bad), undefined, bad);
  }
  const ending = endingFor({ revoked: ['glh:a'], changed: ['glh:b'] });
  assert.deepEqual([ending('glh:a')?.code, ending('glh:b')?.code, ending('glh:c'), ending(undefined)], [3500, 3011, undefined, undefined]);
});
