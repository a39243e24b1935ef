// POST /api/live/publish {channel, data}: publish into a channel of the caller's tenant with
// Grafana's status codes — except that malformed input is a 400 with a message, never a 500, and
// the handler's returned data is what gets published (Grafana publishes the request's data). The
// handler receives `data` parsed for its checks and as the exact text of the request, which is what
// the broadcast handler publishes: like Grafana, numbers such as 12345678901234567890 or 1e400 pass
// through unchanged.

import { EngineUnavailableError } from '../../engine/engine.js';
import type { LiveFacade } from '../../live/live-facade.js';
import { tenantForOrg } from '../../live/tenant.js';
import { memberSpan } from '../../protocol/json-text.js';
import type { RequestAuthenticator } from '../auth-port.js';
import { readJsonBody } from '../json-body.js';
import type { HttpRateLimiter } from '../rate-limiter.js';
import { BodyError, sendJson, sendMessage } from '../respond.js';
import type { RouteContext } from '../router.js';
import { authenticateOrAnswer } from './authenticate.js';

const PUBLISH_BODY_LIMIT = 1024 * 1024;

export interface PublishRouteOptions {
  readonly limiter: HttpRateLimiter;
  /** [server] max_json_depth, for `data`. */
  readonly maxJsonDepth: number;
}

function errorStatus(code: number): number {
  if (code === 400 || code === 403 || code === 404) return code;
  if (code === 103) return 403;
  if (code === 107) return 400;
  return 500;
}

export function publishRoute(node: Pick<LiveFacade, 'liveEnabled' | 'resolveInTenant' | 'publish'>, auth: RequestAuthenticator, options: PublishRouteOptions) {
  return async ({ req, res }: RouteContext): Promise<void> => {
    const identity = await authenticateOrAnswer(auth, req, res);
    if (identity === undefined) return;
    if (!node.liveEnabled) return sendMessage(res, 503, 'Live is disabled');
    if (!options.limiter.admit(req, res, 'publish', identity, PUBLISH_BODY_LIMIT)) return;
    let text: string;
    let body: unknown;
    try {
      // JSON.parse itself takes any depth; what handlers and subscribers get, `data`, is checked below.
      ({ text, value: body } = await readJsonBody(req, PUBLISH_BODY_LIMIT, Number.POSITIVE_INFINITY));
    } catch (err) {
      if (err instanceof BodyError) return sendMessage(res, err.status, err.message);
      throw err;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendMessage(res, 400, 'bad request data');
    const { channel, data } = body as { channel?: unknown; data?: unknown };
    if (typeof channel !== 'string') return sendMessage(res, 400, 'bad request data: "channel" must be a string');
    const resolved = node.resolveInTenant(tenantForOrg(identity.orgId), channel);
    if (!resolved.ok) return sendMessage(res, errorStatus(resolved.error.code), resolved.error.message);
    // JSON.parse accepted the text and the body is an object, so a defined `data` has a span.
    const span = data === undefined ? undefined : memberSpan(text, ['data'])!;
    if (span !== undefined && span.depth > options.maxJsonDepth) {
      return sendMessage(res, 400, `bad request data: "data" is nested ${span.depth} levels deep, more than the limit of ${options.maxJsonDepth} ([server] max_json_depth)`);
    }
    const rawData = span === undefined ? 'null' : text.slice(span.start, span.end);
    try {
      // Handlers may touch the engine too (the broadcast handler stores the last message), so an
      // unavailable engine is a 503 from either step, never a 500.
      const result = await resolved.handler.onPublish({ ...resolved, identity, data, rawData });
      if (result.badRequest !== undefined) return sendMessage(res, 400, result.badRequest);
      if (result.status === 'not_found') return sendMessage(res, 404, 'Not Found');
      if (result.status === 'permission_denied') return sendMessage(res, 403, 'Forbidden');
      if (result.data !== undefined) await node.publish(resolved.fullChannel, result.data, { history: result.history === true });
    } catch (err) {
      if (err instanceof EngineUnavailableError) return sendMessage(res, 503, err.message);
      throw err;
    }
    sendJson(res, 200, {});
  };
}
