// DashboardRepository on the SQL port (SQLite or PostgreSQL). Every statement is parameterised; a
// save reads and writes in one transaction and its UPDATE re-checks the version, so two concurrent
// saves of one version can never both win (the loser gets 412).

import { toNumber, toText, UniqueViolationError, type Row, type SqlDatabase, type SqlExecutor, type SqlValue } from '../../storage/sql.js';
import { DashboardErrors } from './errors.js';
import { DASHBOARD_TABLE } from './migrations.js';
import type { DashboardJson, DashboardSummary, SaveCommand, SearchQuery, StoredDashboard } from './model.js';
import type { DashboardRepository } from './repository.js';
import { planSave } from './save-rules.js';
import { generateUid, slugify } from './uid.js';

const T = DASHBOARD_TABLE;
const ALL_COLUMNS = 'id, org_id, uid, title, slug, folder_uid, version, tags, data, created, updated, created_by, updated_by';
const SUMMARY_COLUMNS = 'id, uid, title, slug, folder_uid, tags';

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function tagsOf(row: Row): string[] {
  const tags = parseJson<unknown>(toText(row['tags']), []);
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
}

function toDashboard(row: Row): StoredDashboard {
  return {
    id: toNumber(row['id']),
    orgId: toNumber(row['org_id']),
    uid: toText(row['uid']),
    title: toText(row['title']),
    slug: toText(row['slug']),
    folderUid: toText(row['folder_uid']),
    version: toNumber(row['version']),
    tags: tagsOf(row),
    data: parseJson<DashboardJson>(toText(row['data']), {}),
    created: toNumber(row['created']),
    updated: toNumber(row['updated']),
    createdBy: toText(row['created_by']),
    updatedBy: toText(row['updated_by']),
  };
}

function toSummary(row: Row): DashboardSummary {
  return {
    id: toNumber(row['id']),
    uid: toText(row['uid']),
    title: toText(row['title']),
    slug: toText(row['slug']),
    folderUid: toText(row['folder_uid']),
    tags: tagsOf(row),
  };
}

/** `%text%` for LIKE with `\` escaping the wildcards a user may type. */
function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** More uids than this in one search are cut (bound-parameter limits differ per database). */
const MAX_UID_FILTER = 500;

export class SqlDashboardRepository implements DashboardRepository {
  constructor(private readonly db: SqlDatabase) {}

  async get(orgId: number, uid: string): Promise<StoredDashboard | undefined> {
    return this.findByUid(this.db, orgId, uid);
  }

  async exists(orgId: number, uid: string): Promise<boolean> {
    return (await this.db.get(`SELECT 1 AS one FROM ${T} WHERE org_id = ? AND uid = ?`, [orgId, uid])) !== undefined;
  }

  async save(command: SaveCommand): Promise<StoredDashboard> {
    try {
      return await this.db.transaction((tx) => this.saveIn(tx, command));
    } catch (err) {
      // A concurrent save created the same uid first: for this client that is "changed by someone else".
      if (err instanceof UniqueViolationError) throw DashboardErrors.versionMismatch();
      throw err;
    }
  }

  async delete(orgId: number, uid: string): Promise<StoredDashboard | undefined> {
    return this.db.transaction(async (tx) => {
      const existing = await this.findByUid(tx, orgId, uid);
      if (existing === undefined) return undefined;
      await tx.run(`DELETE FROM ${T} WHERE id = ?`, [existing.id]);
      return existing;
    });
  }

  async search(orgId: number, query: SearchQuery): Promise<DashboardSummary[]> {
    let sql = `SELECT ${SUMMARY_COLUMNS} FROM ${T} WHERE org_id = ?`;
    const params: SqlValue[] = [orgId];
    if (query.query !== '') {
      sql += ` AND title_lower LIKE ? ESCAPE '\\'`;
      params.push(likePattern(query.query));
    }
    const uids = query.uids.slice(0, MAX_UID_FILTER);
    if (uids.length > 0) {
      sql += ` AND uid IN (${uids.map(() => '?').join(', ')})`;
      params.push(...uids);
    }
    sql += ' ORDER BY title_lower, id LIMIT ? OFFSET ?';
    params.push(query.limit, (query.page - 1) * query.limit);
    return (await this.db.all(sql, params)).map(toSummary);
  }

  private async findByUid(tx: SqlExecutor, orgId: number, uid: string): Promise<StoredDashboard | undefined> {
    const row = await tx.get(`SELECT ${ALL_COLUMNS} FROM ${T} WHERE org_id = ? AND uid = ?`, [orgId, uid]);
    return row === undefined ? undefined : toDashboard(row);
  }

  private async findById(tx: SqlExecutor, orgId: number, id: number): Promise<StoredDashboard | undefined> {
    const row = await tx.get(`SELECT ${ALL_COLUMNS} FROM ${T} WHERE org_id = ? AND id = ?`, [orgId, id]);
    return row === undefined ? undefined : toDashboard(row);
  }

  private async saveIn(tx: SqlExecutor, command: SaveCommand): Promise<StoredDashboard> {
    const byId = command.id > 0 ? await this.findById(tx, command.orgId, command.id) : undefined;
    // An update by id alone keeps the stored uid; a different uid renames it (as Grafana does).
    const uid = command.uid !== '' ? command.uid : (byId?.uid ?? '');
    const byUid = uid !== '' ? await this.findByUid(tx, command.orgId, uid) : undefined;
    const plan = planSave({ ...command, uid }, byId, byUid, generateUid);
    const slug = slugify(command.title);
    const tags = JSON.stringify(command.tags);
    const data = JSON.stringify(command.data);

    if (plan.kind === 'insert') {
      const row = await tx.get(
        `INSERT INTO ${T} (org_id, uid, title, title_lower, slug, folder_uid, version, tags, data, created, updated, created_by, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [command.orgId, plan.uid, command.title, command.title.toLowerCase(), slug, command.folderUid, tags, data, command.now, command.now, command.actor, command.actor],
      );
      return {
        id: toNumber(row?.['id']),
        orgId: command.orgId,
        uid: plan.uid,
        title: command.title,
        slug,
        folderUid: command.folderUid,
        version: 1,
        tags: command.tags,
        data: command.data,
        created: command.now,
        updated: command.now,
        createdBy: command.actor,
        updatedBy: command.actor,
      };
    }

    const { existing } = plan;
    let sql = `UPDATE ${T} SET uid = ?, title = ?, title_lower = ?, slug = ?, folder_uid = ?, version = version + 1, tags = ?, data = ?, updated = ?, updated_by = ?
               WHERE id = ?`;
    const params: SqlValue[] = [uid, command.title, command.title.toLowerCase(), slug, command.folderUid, tags, data, command.now, command.actor, existing.id];
    if (plan.expectVersion !== undefined) {
      sql += ' AND version = ?';
      params.push(plan.expectVersion);
    }
    const row = await tx.get(`${sql} RETURNING version`, params);
    if (row === undefined) throw DashboardErrors.versionMismatch();
    return {
      ...existing,
      uid,
      title: command.title,
      slug,
      folderUid: command.folderUid,
      version: toNumber(row['version']),
      tags: command.tags,
      data: command.data,
      updated: command.now,
      updatedBy: command.actor,
    };
  }
}
