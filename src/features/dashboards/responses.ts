// JSON bodies of the dashboard API in Grafana's shapes: save result, `{dashboard, meta}`, delete
// result and search hits.

import type { Identity } from '../../auth/identity.js';
import { canAdminDashboards, canEditDashboards } from './access.js';
import type { DashboardSummary, StoredDashboard } from './model.js';
import { dashboardUrl } from './uid.js';

export function saveResponse(d: StoredDashboard): Record<string, unknown> {
  return { id: d.id, uid: d.uid, url: dashboardUrl(d.uid, d.slug), status: 'success', version: d.version, slug: d.slug };
}

export function dashboardResponse(d: StoredDashboard, identity: Identity): Record<string, unknown> {
  const canEdit = canEditDashboards(identity);
  return {
    dashboard: { ...d.data, id: d.id, uid: d.uid, title: d.title, version: d.version },
    meta: {
      type: 'db',
      canSave: canEdit,
      canEdit,
      canAdmin: canAdminDashboards(identity),
      canStar: false,
      canDelete: canEdit,
      slug: d.slug,
      url: dashboardUrl(d.uid, d.slug),
      expires: '0001-01-01T00:00:00Z',
      created: new Date(d.created).toISOString(),
      updated: new Date(d.updated).toISOString(),
      updatedBy: d.updatedBy,
      createdBy: d.createdBy,
      version: d.version,
      hasAcl: false,
      isFolder: false,
      folderUid: d.folderUid,
      folderTitle: d.folderUid === '' ? 'General' : '',
      folderUrl: '',
      provisioned: false,
      provisionedExternalId: '',
    },
  };
}

export function deleteResponse(d: StoredDashboard): Record<string, unknown> {
  return { title: d.title, message: `Dashboard ${d.title} deleted`, id: d.id };
}

export function searchHit(d: DashboardSummary): Record<string, unknown> {
  const hit: Record<string, unknown> = {
    id: d.id,
    uid: d.uid,
    title: d.title,
    uri: `db/${d.slug}`,
    url: dashboardUrl(d.uid, d.slug),
    slug: d.slug,
    type: 'dash-db',
    tags: d.tags,
    isStarred: false,
  };
  if (d.folderUid !== '') hit['folderUid'] = d.folderUid;
  return hit;
}
