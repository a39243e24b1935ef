// HTTP routes of the dashboard API: POST /api/dashboards/db, GET and DELETE /api/dashboards/uid/:uid,
// GET /api/search. Every caller must be signed in (401) and within the dashboard API's rate limit
// (429); errors are Grafana's JSON bodies; malformed input — paging out of range, JSON nested too
// deeply, a non-JSON content type (415) — is answered with a message, and storage that is not open
// yet a 503.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../auth/identity.js';
import type { RequestAuthenticator } from '../../http/auth-port.js';
import { readJsonBody } from '../../http/json-body.js';
import type { HttpRateLimiter } from '../../http/rate-limiter.js';
import { BodyError, sendJson, sendMessage } from '../../http/respond.js';
import type { RouteContext, Router } from '../../http/router.js';
import { authenticateOrAnswer } from '../../http/routes/authenticate.js';
import { DashboardError } from './errors.js';
import type { SearchQuery } from './model.js';
import { dashboardResponse, deleteResponse, saveResponse, searchHit } from './responses.js';
import type { DashboardService } from './service.js';

/** Dashboards can be large (many panels); Grafana has no specific limit either. */
const SAVE_BODY_LIMIT = 16 * 1024 * 1024;
const DEFAULT_SEARCH_LIMIT = 1000;
/** Grafana's maximum page size. */
const MAX_SEARCH_LIMIT = 5000;
/** Pages past this are refused: (page - 1) × limit must stay an exact SQL OFFSET. */
const MAX_SEARCH_PAGE = 1_000_000;

export interface DashboardRouteOptions {
  readonly limiter: HttpRateLimiter;
  /** [server] max_json_depth. */
  readonly maxJsonDepth: number;
}

type Handler = (identity: Identity, service: DashboardService, ctx: RouteContext) => Promise<void>;

/** Authentication, rate limit, service availability and DashboardError → response, shared by every route. */
function route(auth: RequestAuthenticator, service: () => DashboardService | undefined, limiter: HttpRateLimiter, handler: Handler) {
  return async (ctx: RouteContext): Promise<void> => {
    const identity = await authenticateOrAnswer(auth, ctx.req, ctx.res);
    if (identity === undefined) return;
    if (!limiter.admit(ctx.req, ctx.res, 'dashboards', identity, SAVE_BODY_LIMIT)) return;
    const current = service();
    if (current === undefined) return sendMessage(ctx.res, 503, 'Dashboard storage is not available');
    try {
      await handler(identity, current, ctx);
    } catch (err) {
      if (err instanceof DashboardError) return sendJson(ctx.res, err.httpStatus, err.body());
      throw err; // the router logs it and answers 500
    }
  };
}

async function readJson(req: IncomingMessage, res: ServerResponse, maxDepth: number): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: (await readJsonBody(req, SAVE_BODY_LIMIT, maxDepth)).value };
  } catch (err) {
    if (!(err instanceof BodyError)) throw err;
    sendMessage(res, err.status, err.message);
    return { ok: false };
  }
}

/** A paging parameter: absent or empty → the default; otherwise an integer in [1, max], else a 400. */
function pagingParam(url: URL, name: string, fallback: number, max: number): number {
  const text = url.searchParams.get(name);
  if (text === null || text.trim() === '') return fallback;
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new DashboardError(400, `bad request data: "${name}" must be an integer from 1 to ${max}`);
  }
  return n;
}

function searchQuery(url: URL): SearchQuery | undefined {
  // Validated even when nothing can match, so a bad parameter is always reported.
  const limit = pagingParam(url, 'limit', DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT);
  const page = pagingParam(url, 'page', 1, MAX_SEARCH_PAGE);
  const type = url.searchParams.get('type') ?? '';
  // Only dashboards exist here: a search for folders (dash-folder) or anything else finds nothing.
  if (type !== '' && type !== 'dash-db') return undefined;
  return {
    query: url.searchParams.get('query') ?? '',
    limit,
    page,
    uids: url.searchParams.getAll('dashboardUIDs').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''),
  };
}

export function registerDashboardRoutes(router: Router, auth: RequestAuthenticator, service: () => DashboardService | undefined, options: DashboardRouteOptions): void {
  const { limiter, maxJsonDepth } = options;
  router.add('POST', '/api/dashboards/db', route(auth, service, limiter, async (identity, dashboards, { req, res }) => {
    const body = await readJson(req, res, maxJsonDepth);
    if (!body.ok) return;
    sendJson(res, 200, saveResponse(await dashboards.save(identity, body.value)));
  }), { jsonBody: true });

  router.add('GET', '/api/dashboards/uid/:uid', route(auth, service, limiter, async (identity, dashboards, { res, params }) => {
    const dashboard = await dashboards.get(identity, params['uid']!);
    if (dashboard === undefined) return sendMessage(res, 404, 'Dashboard not found');
    sendJson(res, 200, dashboardResponse(dashboard, identity));
  }));

  router.add('DELETE', '/api/dashboards/uid/:uid', route(auth, service, limiter, async (identity, dashboards, { res, params }) => {
    const deleted = await dashboards.delete(identity, params['uid']!);
    if (deleted === undefined) return sendMessage(res, 404, 'Dashboard not found');
    sendJson(res, 200, deleteResponse(deleted));
  }));

  router.add('GET', '/api/search', route(auth, service, limiter, async (identity, dashboards, { res, url }) => {
    const query = searchQuery(url);
    const hits = query === undefined ? [] : await dashboards.search(identity, query);
    sendJson(res, 200, hits.map(searchHit));
  }));
}
