// Who may do what with dashboards. livehub has no per-dashboard ACLs: every member of the org may
// view (Viewer and up), Editors and Admins may save, delete and announce editing.

import { hasRole, type Identity } from '../../auth/identity.js';

export function canViewDashboards(identity: Identity): boolean {
  return hasRole(identity, 'Viewer');
}

export function canEditDashboards(identity: Identity): boolean {
  return hasRole(identity, 'Editor');
}

export function canAdminDashboards(identity: Identity): boolean {
  return hasRole(identity, 'Admin');
}
