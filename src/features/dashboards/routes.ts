// HTTP routes of the dashboard API: POST /api/dashboards/db, GET and DELETE /api/dashboards/uid/:uid,
// GET /api/search. Every caller must be signed in (401); errors are Grafana's JSON bodies; malformed
// input is a 400 with a message and storage that is not open yet a 503.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Identity } from '../../auth/identity.js';
import type { RequestAuthenticator } from '../../http/auth-port.js';
import { BodyError, readBody, sendJson, sendMessage } from '../../http/respond.js';
import type { RouteContext, Router } from '../../http/router.js';
import { authenticateOrAnswer } from '../../http/routes/authenticate.js';
import { DashboardError } from './errors.js';
import type { SearchQuery } from './model.js';
import { dashboardResponse, deleteResponse, saveResponse, searchHit } from './responses.js';
import type { DashboardService } from './service.js';

/** Dashboards can be large (many panels); Grafana has no specific limit either. */
const SAVE_BODY_LIMIT = 16 * 1024 * 1024;
const DEFAULT_SEARCH_LIMIT = 1000;
const MAX_SEARCH_LIMIT = 5000;

type Handler = (identity: Identity, service: DashboardService, ctx: RouteContext) => Promise<void>;

/** Authentication, service availability and DashboardError → response, shared by every route. */
function route(auth: RequestAuthenticator, service: () => DashboardService | undefined, handler: Handler) {
  return async (ctx: RouteContext): Promise<void> => {
    const identity = await authenticateOrAnswer(auth, ctx.req, ctx.res);
    if (identity === undefined) return;
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

async function readJson(req: IncomingMessage, res: ServerResponse): Promise<{ ok: true; value: unknown } | { ok: false }> {
  try {
    return { ok: true, value: JSON.parse((await readBody(req, SAVE_BODY_LIMIT)).toString('utf8')) };
  } catch (err) {
    if (err instanceof BodyError) sendMessage(res, err.status, err.message);
    else sendMessage(res, 400, 'bad request data');
    return { ok: false };
  }
}

function positiveInt(text: string | null, fallback: number, max: number): number {
  const n = text === null ? NaN : Number(text);
  if (!Number.isSafeInteger(n) || n < 1) return fallback;
  return Math.min(n, max);
}

function searchQuery(url: URL): SearchQuery | undefined {
  const type = url.searchParams.get('type') ?? '';
  // Only dashboards exist here: a search for folders (dash-folder) or anything else finds nothing.
  if (type !== '' && type !== 'dash-db') return undefined;
  return {
    query: url.searchParams.get('query') ?? '',
    limit: positiveInt(url.searchParams.get('limit'), DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT),
    page: positiveInt(url.searchParams.get('page'), 1, Number.MAX_SAFE_INTEGER),
    uids: url.searchParams.getAll('dashboardUIDs').flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== ''),
  };
}

export function registerDashboardRoutes(router: Router, auth: RequestAuthenticator, service: () => DashboardService | undefined): void {
  router.add('POST', '/api/dashboards/db', route(auth, service, async (identity, dashboards, { req, res }) => {
    const body = await readJson(req, res);
    if (!body.ok) return;
    sendJson(res, 200, saveResponse(await dashboards.save(identity, body.value)));
  }));

  router.add('GET', '/api/dashboards/uid/:uid', route(auth, service, async (identity, dashboards, { res, params }) => {
    const dashboard = await dashboards.get(identity, params['uid']!);
    if (dashboard === undefined) return sendMessage(res, 404, 'Dashboard not found');
    sendJson(res, 200, dashboardResponse(dashboard, identity));
  }));

  router.add('DELETE', '/api/dashboards/uid/:uid', route(auth, service, async (identity, dashboards, { res, params }) => {
    const deleted = await dashboards.delete(identity, params['uid']!);
    if (deleted === undefined) return sendMessage(res, 404, 'Dashboard not found');
    sendJson(res, 200, deleteResponse(deleted));
  }));

  router.add('GET', '/api/search', route(auth, service, async (identity, dashboards, { res, url }) => {
    const query = searchQuery(url);
    const hits = query === undefined ? [] : await dashboards.search(identity, query);
    sendJson(res, 200, hits.map(searchHit));
  }));
}
