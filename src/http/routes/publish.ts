// POST /api/live/publish {channel, data}: publish into a channel of the caller's tenant with
// Grafana's status codes — except that malformed input is a 400 with a message, never a 500, and
// the handler's returned data is what gets published (Grafana publishes the request's data).

import { EngineUnavailableError } from '../../engine/engine.js';
import type { LiveNode } from '../../live/node.js';
import { tenantForOrg } from '../../live/tenant.js';
import type { RequestAuthenticator } from '../auth-port.js';
import { BodyError, readBody, sendJson, sendMessage } from '../respond.js';
import type { RouteContext } from '../router.js';
import { authenticateOrAnswer } from './authenticate.js';

const PUBLISH_BODY_LIMIT = 1024 * 1024;

function errorStatus(code: number): number {
  if (code === 400 || code === 403 || code === 404) return code;
  if (code === 103) return 403;
  if (code === 107) return 400;
  return 500;
}

export function publishRoute(node: LiveNode, auth: RequestAuthenticator) {
  return async ({ req, res }: RouteContext): Promise<void> => {
    const identity = await authenticateOrAnswer(auth, req, res);
    if (identity === undefined) return;
    if (node.options.maxConnections === 0) return sendMessage(res, 503, 'Live is disabled');
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, PUBLISH_BODY_LIMIT)).toString('utf8'));
    } catch (err) {
      if (err instanceof BodyError) return sendMessage(res, err.status, err.message);
      return sendMessage(res, 400, 'bad request data');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return sendMessage(res, 400, 'bad request data');
    const { channel, data } = body as { channel?: unknown; data?: unknown };
    if (typeof channel !== 'string') return sendMessage(res, 400, 'bad request data: "channel" must be a string');
    const resolved = node.resolveInTenant(tenantForOrg(identity.orgId), channel);
    if (!resolved.ok) return sendMessage(res, errorStatus(resolved.error.code), resolved.error.message);
    let rawData: string;
    try {
      rawData = JSON.stringify(data ?? null);
    } catch {
      // Nesting deep enough to overflow the serialiser's stack: the client's input, not our fault.
      return sendMessage(res, 400, 'bad request data: "data" is nested too deeply');
    }
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
