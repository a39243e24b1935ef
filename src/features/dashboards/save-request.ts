// Validates the body of POST /api/dashboards/db (`{dashboard:{…}, overwrite?, message?, folderUid?}`)
// into a SaveCommand. Anything malformed is a 400 with a message, never an exception past the route.

import type { Identity } from '../../auth/identity.js';
import { DashboardError, DashboardErrors } from './errors.js';
import type { DashboardJson, SaveCommand } from './model.js';
import { checkUid } from './uid.js';

export interface SaveRequest {
  readonly command: SaveCommand;
  /** The save message for the `saved` event. */
  readonly message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badRequest(detail: string): DashboardError {
  return new DashboardError(400, `bad request data: ${detail}`);
}

function optionalString(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`"${key}" must be a string`);
  return value;
}

function optionalInteger(body: Record<string, unknown>, key: string): number {
  const value = body[key];
  if (value === undefined || value === null) return 0;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw badRequest(`"dashboard.${key}" must be a non-negative integer`);
  return value;
}

export function parseSaveRequest(body: unknown, identity: Identity, now: number): SaveRequest {
  if (!isRecord(body)) throw badRequest('the body must be a JSON object');
  const dashboard = body['dashboard'];
  if (!isRecord(dashboard)) throw badRequest('"dashboard" must be a JSON object');
  const overwrite = body['overwrite'];
  if (overwrite !== undefined && overwrite !== null && typeof overwrite !== 'boolean') throw badRequest('"overwrite" must be a boolean');

  const title = dashboard['title'];
  if (title !== undefined && title !== null && typeof title !== 'string') throw badRequest('"dashboard.title" must be a string');
  if (typeof title !== 'string' || title.trim() === '') throw DashboardErrors.titleEmpty();
  const uid = optionalString(dashboard, 'uid');
  checkUid(uid);
  const tagsValue = dashboard['tags'];
  const tags = Array.isArray(tagsValue) ? tagsValue.filter((t): t is string => typeof t === 'string') : [];

  // id, uid and version are columns; the stored JSON model is everything else.
  const data: DashboardJson = {};
  for (const [key, value] of Object.entries(dashboard)) {
    if (key !== 'id' && key !== 'uid' && key !== 'version') data[key] = value;
  }
  const folderUid = optionalString(body, 'folderUid');
  checkUid(folderUid);
  return {
    command: {
      orgId: identity.orgId,
      id: optionalInteger(dashboard, 'id'),
      uid,
      title,
      version: optionalInteger(dashboard, 'version'),
      overwrite: overwrite === true,
      folderUid,
      tags,
      data,
      actor: identity.login,
      now,
    },
    message: optionalString(body, 'message'),
  };
}
