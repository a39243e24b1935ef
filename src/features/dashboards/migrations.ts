// Dashboard tables. Names carry a `livehub_` prefix so pointing livehub at a database that also
// holds Grafana's own `dashboard` table can never clash. Never edit an applied step: add one.

import type { Migration } from '../../storage/migrate.js';

export const DASHBOARD_TABLE = 'livehub_dashboard';

const columns = (id: string): string => `(
  id ${id},
  org_id INTEGER NOT NULL,
  uid VARCHAR(40) NOT NULL,
  title TEXT NOT NULL,
  title_lower TEXT NOT NULL,
  slug TEXT NOT NULL,
  folder_uid VARCHAR(40) NOT NULL DEFAULT '',
  version INTEGER NOT NULL,
  tags TEXT NOT NULL,
  data TEXT NOT NULL,
  created BIGINT NOT NULL,
  updated BIGINT NOT NULL,
  created_by TEXT NOT NULL,
  updated_by TEXT NOT NULL
)`;

const indexes = [
  `CREATE UNIQUE INDEX livehub_dashboard_org_uid ON ${DASHBOARD_TABLE} (org_id, uid)`,
  `CREATE INDEX livehub_dashboard_org_title ON ${DASHBOARD_TABLE} (org_id, title_lower)`,
];

export const DASHBOARD_MIGRATIONS: readonly Migration[] = [
  {
    id: 'dashboards-001-create-table',
    up: {
      sqlite3: [`CREATE TABLE ${DASHBOARD_TABLE} ${columns('INTEGER PRIMARY KEY AUTOINCREMENT')}`, ...indexes],
      postgres: [`CREATE TABLE ${DASHBOARD_TABLE} ${columns('SERIAL PRIMARY KEY')}`, ...indexes],
    },
  },
];
