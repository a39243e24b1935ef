// The authorization matrix: every channel scope × operation × role, with the outcome livehub must
// give in both tenant forms. test/integration/authz-matrix.test.ts checks every cell against a
// running node, and docs/authorization.md carries the same table rendered from this data (a test
// keeps them in sync). Regenerate the doc after editing the table:
//
//   node dist/test/integration/authz-table.js --write docs/authorization.md

import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const SCOPES = ['grafana/dashboard', 'grafana/broadcast', 'stream', 'plugin (testdata)', 'ds (provisioned)'] as const;
export type Scope = (typeof SCOPES)[number];

export const OPERATIONS = ['subscribe', 'publish (WS)', 'presence', 'history', 'push (HTTP)', 'push (WS)', 'GET /api/live/list', 'POST /api/live/publish'] as const;
export type Operation = (typeof OPERATIONS)[number];

export const ROLES = ['anonymous', 'Viewer', 'Editor', 'Admin', 'other tenant'] as const;
export type Role = (typeof ROLES)[number];

/** Tenant prefixes the WebSocket operations use for org 1 (the HTTP API takes the tenant from the credential). */
export const TENANT_FORMS = ['1', 'default'] as const;
export type TenantForm = (typeof TENANT_FORMS)[number];

/**
 * `ok` — WebSocket reply without error; `err N` — WebSocket reply error code N; `http N` — HTTP
 * status; `http N own org` — accepted, but into the caller's own org (org 2), never visible to org 1;
 * `listed` / `not listed` — GET /api/live/list answers 200 with / without the org-1 channel;
 * `upgrade` — push WebSocket accepted and the batch published to org 1 (`upgrade own org`: to org 2);
 * `n/a` — the operation does not apply to the scope.
 */
export type Outcome =
  | 'ok'
  | `err ${number}`
  | `http ${number}`
  | 'http 200 own org'
  | 'listed'
  | 'not listed'
  | 'upgrade'
  | 'upgrade own org'
  | 'n/a';

/** Unprefixed channel exercised for each scope (the dashboard `authz` exists in org 1 only; `td-1` is an org-1 testdata data source). */
export const CHANNELS: Readonly<Record<Scope, string>> = {
  'grafana/dashboard': 'grafana/dashboard/uid/authz',
  'grafana/broadcast': 'grafana/broadcast/authz',
  stream: 'stream/authz/cpu',
  'plugin (testdata)': 'plugin/testdata/random-2s-stream',
  'ds (provisioned)': 'ds/td-1/random-2s-stream',
};

/** What GET /api/live/list must (not) show per scope: a stream only org 1 ever pushes to, and a testdata channel. */
export const LISTED_CHANNELS: Readonly<Partial<Record<Scope, string>>> = {
  stream: 'stream/authz-org1/cpu',
  'plugin (testdata)': 'plugin/testdata/random-2s-stream',
};

type Row = Readonly<Record<Role, Outcome>>;

const all = (o: Outcome, other: Outcome): Row => ({ anonymous: o, Viewer: o, Editor: o, Admin: o, 'other tenant': other });
const na = all('n/a', 'n/a');

/** Who may do what. Roles are org 1's (anonymous = org 1 Viewer); "other tenant" is an Admin of org 2. */
export const EXPECTED: Readonly<Record<Scope, Readonly<Record<Operation, Row>>>> = {
  'grafana/dashboard': {
    subscribe: all('ok', 'err 103'),
    'publish (WS)': { anonymous: 'err 403', Viewer: 'err 403', Editor: 'ok', Admin: 'ok', 'other tenant': 'err 103' },
    presence: all('ok', 'err 103'),
    history: all('err 108', 'err 103'),
    'push (HTTP)': na,
    'push (WS)': na,
    'GET /api/live/list': na,
    'POST /api/live/publish': { anonymous: 'http 403', Viewer: 'http 403', Editor: 'http 200', Admin: 'http 200', 'other tenant': 'http 404' },
  },
  'grafana/broadcast': {
    subscribe: all('ok', 'err 103'),
    'publish (WS)': all('ok', 'err 103'),
    presence: all('ok', 'err 103'),
    history: all('ok', 'err 103'),
    'push (HTTP)': na,
    'push (WS)': na,
    'GET /api/live/list': na,
    'POST /api/live/publish': all('http 200', 'http 200 own org'),
  },
  stream: {
    subscribe: all('ok', 'err 103'),
    'publish (WS)': all('err 403', 'err 103'),
    presence: all('err 108', 'err 103'),
    history: all('err 108', 'err 103'),
    'push (HTTP)': { anonymous: 'http 401', Viewer: 'http 403', Editor: 'http 200', Admin: 'http 200', 'other tenant': 'http 200 own org' },
    'push (WS)': { anonymous: 'http 401', Viewer: 'http 403', Editor: 'http 403', Admin: 'upgrade', 'other tenant': 'upgrade own org' },
    'GET /api/live/list': all('listed', 'not listed'),
    'POST /api/live/publish': all('http 403', 'http 403'),
  },
  'plugin (testdata)': {
    subscribe: all('ok', 'err 103'),
    'publish (WS)': all('err 403', 'err 103'),
    presence: all('ok', 'err 103'),
    history: all('err 108', 'err 103'),
    'push (HTTP)': na,
    'push (WS)': na,
    // The testdata channels are listed for every org (Grafana hard-codes them).
    'GET /api/live/list': all('listed', 'listed'),
    'POST /api/live/publish': all('http 403', 'http 403'),
  },
  'ds (provisioned)': {
    subscribe: all('ok', 'err 103'),
    'publish (WS)': all('err 403', 'err 103'),
    presence: all('ok', 'err 103'),
    history: all('err 108', 'err 103'),
    'push (HTTP)': na,
    'push (WS)': na,
    'GET /api/live/list': na,
    'POST /api/live/publish': all('http 403', 'http 404'),
  },
};

/** JWT attacks and where each is tried; every one must be refused at all three places. */
export const JWT_ATTACKS = [
  ['alg "none" (unsigned)', 'alg-none'],
  ['alg "None" (case variant)', 'alg-none-case'],
  ['HS256 signed with the RSA public key (algorithm confusion)', 'hmac-public-key'],
  ['HS256 signed with a wrong secret', 'hmac-wrong-secret'],
  ['RS256 signed by another key with the same kid', 'foreign-key'],
  ['signature stripped', 'no-signature'],
  ['expired (`exp` in the past)', 'expired'],
  ['wrong issuer (`expect_claims`)', 'wrong-iss'],
  ['wrong audience (`expect_claims`)', 'wrong-aud'],
  ['issuer and audience missing', 'no-iss-aud'],
  ['tampered claims: role raised to Admin, signature kept', 'tampered-role'],
  ['tampered claims: org_id changed, signature kept', 'tampered-org'],
] as const;
export type JwtAttack = (typeof JWT_ATTACKS)[number][1];

// ---- rendering ---------------------------------------------------------------------------------

export const TABLE_BEGIN = '<!-- BEGIN GENERATED AUTHORIZATION MATRIX (test/integration/authz-table.ts) -->';
export const TABLE_END = '<!-- END GENERATED AUTHORIZATION MATRIX -->';

function cell(o: Outcome): string {
  if (o === 'n/a') return '—';
  return o
    .replace(/^err (\d+)$/, '$1')
    .replace(/^http (\d+) own org$/, 'HTTP $1, own org')
    .replace(/^http (\d+)$/, 'HTTP $1')
    .replace(/^upgrade own org$/, 'upgrade, own org');
}

export function renderMatrix(): string {
  const out: string[] = [];
  for (const scope of SCOPES) {
    const listed = LISTED_CHANNELS[scope] !== undefined ? ` (list: \`${LISTED_CHANNELS[scope]}\`)` : '';
    out.push(`### \`${scope}\` — \`<tenant>/${CHANNELS[scope]}\`${listed}`, '', `| Operation | ${ROLES.join(' | ')} |`, `|---|${ROLES.map(() => '---').join('|')}|`);
    for (const op of OPERATIONS) out.push(`| ${op} | ${ROLES.map((r) => cell(EXPECTED[scope][op][r])).join(' | ')} |`);
    out.push('');
  }
  out.push('### JWT attacks', '', '| Attack | WebSocket upgrade (header, `auth_token`) | connect token | HTTP API |', '|---|---|---|---|');
  for (const [label, id] of JWT_ATTACKS) {
    const connect = id === 'expired' ? 'error 109, close 3005' : 'close 3500';
    out.push(`| ${label} | HTTP 401 | ${connect} | HTTP 401 |`);
  }
  out.push('');
  return out.join('\n');
}

export function replaceMatrix(markdown: string): string {
  const begin = markdown.indexOf(TABLE_BEGIN);
  const end = markdown.indexOf(TABLE_END);
  if (begin < 0 || end < begin) throw new Error('generated authorization matrix markers not found');
  return `${markdown.slice(0, begin + TABLE_BEGIN.length)}\n\n${renderMatrix()}\n${markdown.slice(end)}`;
}

export function extractMatrix(markdown: string): string | undefined {
  const begin = markdown.indexOf(TABLE_BEGIN);
  const end = markdown.indexOf(TABLE_END);
  if (begin < 0 || end < begin) return undefined;
  return markdown.slice(begin + TABLE_BEGIN.length, end).trim();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = process.argv[2] === '--write' ? process.argv[3] : undefined;
  if (target) writeFileSync(target, replaceMatrix(readFileSync(target, 'utf8')));
  else process.stdout.write(`${renderMatrix()}\n`);
}
