// Grafana's rules for saving a dashboard that may already exist, as a pure decision: which row is
// being replaced (found by id or uid), and whether the client's version allows it. The repository
// applies the decision inside a transaction and re-checks the version in the UPDATE itself.

import { DashboardErrors } from './errors.js';
import type { SaveCommand, StoredDashboard } from './model.js';

export type SavePlan =
  | { readonly kind: 'insert'; readonly uid: string }
  /** `expectVersion` undefined = overwrite whatever version is stored. */
  | { readonly kind: 'update'; readonly existing: StoredDashboard; readonly expectVersion: number | undefined };

/**
 * `byId` / `byUid` are the rows found for the command's id and uid (undefined when not given or
 * absent). Throws DashboardError: unknown id → 404; id and uid name different rows → 400; stale
 * version without overwrite → 412.
 */
export function planSave(command: SaveCommand, byId: StoredDashboard | undefined, byUid: StoredDashboard | undefined, newUid: () => string): SavePlan {
  if (command.id > 0 && byId === undefined) throw DashboardErrors.notFound();
  if (byId !== undefined && byUid !== undefined && byId.id !== byUid.id) throw DashboardErrors.sameUidExists();
  const existing = byId ?? byUid;
  if (existing === undefined) return { kind: 'insert', uid: command.uid !== '' ? command.uid : newUid() };
  if (command.overwrite) return { kind: 'update', existing, expectVersion: undefined };
  // Someone saved in between (or the client sent no version for an existing dashboard).
  if (command.version !== existing.version) throw DashboardErrors.versionMismatch();
  return { kind: 'update', existing, expectVersion: existing.version };
}
