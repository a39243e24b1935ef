// The dashboard as livehub stores and serves it: Grafana's JSON model plus the columns the API and
// search need (org, uid, version, slug, timestamps, who saved it). No folders, stars or ACLs.

/** The Grafana dashboard JSON (panels, templating, …), without id/uid/version (those are columns). */
export type DashboardJson = Record<string, unknown>;

export interface StoredDashboard {
  readonly id: number;
  readonly orgId: number;
  readonly uid: string;
  readonly title: string;
  readonly slug: string;
  /** Stored as given by the client (livehub does not model folders); "" = General. */
  readonly folderUid: string;
  readonly version: number;
  readonly tags: readonly string[];
  readonly data: DashboardJson;
  /** Epoch ms. */
  readonly created: number;
  readonly updated: number;
  /** Logins of the creator and last saver. */
  readonly createdBy: string;
  readonly updatedBy: string;
}

export type DashboardSummary = Pick<StoredDashboard, 'id' | 'uid' | 'title' | 'slug' | 'folderUid' | 'tags'>;

/** A validated save request (POST /api/dashboards/db). */
export interface SaveCommand {
  readonly orgId: number;
  /** 0 = not given. */
  readonly id: number;
  /** "" = not given. */
  readonly uid: string;
  readonly title: string;
  /** The version the client based its edit on (0 when absent). */
  readonly version: number;
  readonly overwrite: boolean;
  readonly folderUid: string;
  readonly tags: readonly string[];
  readonly data: DashboardJson;
  /** Login of the saving user. */
  readonly actor: string;
  /** Epoch ms. */
  readonly now: number;
}

export interface SearchQuery {
  /** Case-insensitive substring of the title; "" = all. */
  readonly query: string;
  readonly limit: number;
  /** 1-based. */
  readonly page: number;
  /** Restrict to these uids when non-empty. */
  readonly uids: readonly string[];
}
