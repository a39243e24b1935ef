// Fuzz / property tests of the channel grammar (src/live/channel.ts) and tenant prefixes
// (src/live/tenant.ts): differential against Grafana's own rule (SplitN + regexps), round trips of
// both tenant forms, and no throw on any input.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fc from 'fast-check';
import { formatChannel, MAX_UNPREFIXED_CHANNEL_BYTES, parseChannel } from '../../src/live/channel.js';
import { formatTenant, parseTenant, splitPrefixed, tenantForOrg, type Tenant } from '../../src/live/tenant.js';
import { params } from './runs.js';

// Grafana's ParseChannel, transcribed: strings.SplitN(ch, "/", 3), every part non-empty, and the
// SDK's regular expressions (Go and JS agree on [A-z] — it admits "[ \ ] ^ _ `" too).
const SCOPE_RE = /^[A-z0-9_\-.]*$/;
const PATH_RE = /^[A-z0-9_\-/=.]*$/;

function grafanaAccepts(channel: string): boolean {
  const bytes = Buffer.byteLength(channel);
  if (bytes === 0 || bytes > MAX_UNPREFIXED_CHANNEL_BYTES) return false;
  const first = channel.indexOf('/');
  if (first < 0) return false;
  const second = channel.indexOf('/', first + 1);
  if (second < 0) return false;
  const parts = [channel.slice(0, first), channel.slice(first + 1, second), channel.slice(second + 1)];
  if (parts.some((p) => p === '')) return false;
  return SCOPE_RE.test(parts[0]!) && SCOPE_RE.test(parts[1]!) && PATH_RE.test(parts[2]!);
}

// Characters around the interesting boundaries: the [A-z] gap, separators, '=', '.', non-ASCII.
const channelChar = fc.constantFrom(...'aZz09_-.=/[\\]^`{|}@: \u00e9\u4e2d\u{1f600}'.split(/(?:)/u));
const channelLike = fc.oneof(
  fc.array(channelChar, { maxLength: 200 }).map((cs) => cs.join('')),
  fc.string({ maxLength: 200, unit: 'binary' }),
  fc.tuple(fc.stringMatching(/^[A-z0-9_.-]{0,12}$/), fc.stringMatching(/^[A-z0-9_.-]{0,12}$/), fc.stringMatching(/^[A-z0-9_.=/-]{0,170}$/)).map((p) => p.join('/')),
);

test('parseChannel agrees with Grafana on every input and never throws', () => {
  fc.assert(
    fc.property(channelLike, (channel) => {
      const parsed = parseChannel(channel);
      assert.equal(parsed !== undefined, grafanaAccepts(channel), JSON.stringify(channel));
      if (parsed !== undefined) assert.equal(formatChannel(parsed), channel, 'parse/format round trip');
    }),
    params(3000),
  );
});

test('the 160-byte limit counts bytes, not characters', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 400 }), (n) => {
      const channel = `a/b/${'x'.repeat(n)}`;
      assert.equal(parseChannel(channel) !== undefined, n > 0 && channel.length <= MAX_UNPREFIXED_CHANNEL_BYTES);
      // One two-byte character makes it invalid anyway (not in the character set); never throws.
      assert.equal(parseChannel(`a/b/${'x'.repeat(n)}\u00e9`), undefined);
    }),
    params(200),
  );
});

const orgId = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 999_999_999_999_999 }));
const tenant: fc.Arbitrary<Tenant> = fc.oneof(
  orgId.map(tenantForOrg),
  fc.integer({ min: 1, max: 999_999_999 }).map((n): Tenant => ({ orgId: undefined, namespace: `stacks-${n}` })),
);

test('tenants round-trip through both prefix forms', () => {
  fc.assert(
    fc.property(tenant, fc.constantFrom('numeric' as const, 'namespace' as const), (t, form) => {
      const prefix = formatTenant(t, form);
      assert.deepEqual(parseTenant(prefix), t, prefix);
      // The other form names the same tenant.
      assert.deepEqual(parseTenant(formatTenant(t, form === 'numeric' ? 'namespace' : 'numeric')), t);
    }),
    params(2000),
  );
});

test('splitPrefixed: tenant and channel come back apart, for both forms', () => {
  fc.assert(
    fc.property(tenant, fc.constantFrom('numeric' as const, 'namespace' as const), channelLike, (t, form, channel) => {
      const split = splitPrefixed(`${formatTenant(t, form)}/${channel}`);
      assert.ok(split !== undefined);
      assert.deepEqual(split.tenant, t);
      assert.equal(split.channel, channel);
    }),
    params(2000),
  );
});

const prefixLike = fc.oneof(
  fc.string({ maxLength: 24, unit: 'binary' }),
  fc.constantFrom('0', '-1', '01', '1.0', '1e3', ' 1', '1 ', '+1', 'org-', 'org-0', 'org-01', 'org--1', 'stacks-', 'stacks-0', 'default ', 'Default', 'DEFAULT',
    '9007199254740993', '1234567890123456', 'org-1234567890123456', '\u0661', '１'),
  fc.tuple(fc.constantFrom('', 'org-', 'stacks-'), fc.stringMatching(/^[0-9]{0,20}$/)).map(([a, b]) => a + b),
);

test('parseTenant accepts exactly default, positive org ids, org-<N> and stacks-<N>', () => {
  fc.assert(
    fc.property(prefixLike, (prefix) => {
      const t = parseTenant(prefix);
      const m = /^(?:(org-|stacks-)?([1-9][0-9]{0,14}))$/.exec(prefix);
      const expected = prefix === 'default' || m !== null;
      assert.equal(t !== undefined, expected, JSON.stringify(prefix));
      if (t === undefined) {
        assert.equal(splitPrefixed(`${prefix}/grafana/broadcast/x`), undefined);
        return;
      }
      if (prefix === 'default') assert.equal(t.orgId, 1);
      else if (m![1] === 'stacks-') assert.equal(t.orgId, undefined);
      else assert.equal(t.orgId, Number(m![2]));
      assert.ok(t.orgId === undefined || (Number.isSafeInteger(t.orgId) && t.orgId >= 1));
    }),
    params(3000),
  );
});
