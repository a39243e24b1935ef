// POST /api/live/push/:streamId (Telegraf outputs.http): 200 with an empty body when the batch is
// published; 400 with the parser's message (Grafana answers 500), 413 over the body limit, 401/403,
// 429 over [http_rate_limit], 503 when Live is disabled or the engine is unavailable.

import type { RequestAuthenticator } from '../../http/auth-port.js';
import type { HttpRateLimiter } from '../../http/rate-limiter.js';
import { BodyError, readBody, sendEmpty, sendMessage } from '../../http/respond.js';
import type { RouteContext } from '../../http/router.js';
import type { LiveFacade } from '../../live/live-facade.js';
import { authorizePush } from './push-auth.js';
import { pushOptions } from './push-params.js';
import type { PushService } from './push-service.js';

export function pushRoute(service: PushService, auth: RequestAuthenticator, node: Pick<LiveFacade, 'liveEnabled'>, bodyLimit: number, limiter: HttpRateLimiter) {
  return async ({ req, res, params, url }: RouteContext): Promise<void> => {
    const authorized = await authorizePush(auth, req);
    if (!authorized.ok) {
      req.resume();
      return sendMessage(res, authorized.status, authorized.message);
    }
    if (!node.liveEnabled) {
      req.resume();
      return sendMessage(res, 503, 'Live is disabled');
    }
    if (!limiter.admit(req, res, 'push', authorized.identity, bodyLimit)) return;
    const options = pushOptions(url);
    if ('error' in options) {
      req.resume();
      return sendMessage(res, 400, options.error);
    }
    let body: Buffer;
    try {
      body = await readBody(req, bodyLimit);
    } catch (err) {
      if (err instanceof BodyError) return sendMessage(res, err.status, err.message);
      throw err;
    }
    const outcome = await service.push(authorized.identity, params['streamId'] ?? '', body, options);
    if (outcome.ok) return sendEmpty(res, 200);
    sendMessage(res, outcome.status, outcome.message);
  };
}
