// The data sources of `ds/<uid>/…` channels, per org, from the provisioning files. reload() re-reads
// them; a definition whose content changed gets a new `updated` stamp so running streams restart.
// A failed reload keeps the previous set (and says why).

import type { Logger } from '../../../log/logger.js';
import type { DataSourceSettings } from '../api.js';
import { readProvisioning, type ProvisionedDataSource } from './provisioning.js';

interface Entry {
  readonly settings: DataSourceSettings;
  /** Content fingerprint for change detection. */
  readonly fingerprint: string;
}

function key(orgId: number, uid: string): string {
  return `${orgId}/${uid}`;
}

export class DataSourceRegistry {
  private entries = new Map<string, Entry>();
  private uids = new Set<string>();

  constructor(
    private readonly paths: readonly string[],
    private readonly log: Logger,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly now: () => number = Date.now,
  ) {}

  get(orgId: number, uid: string): DataSourceSettings | undefined {
    return this.entries.get(key(orgId, uid))?.settings;
  }

  /** True when some org has a data source with this uid (cheap check for channel resolution). */
  hasUid(uid: string): boolean {
    return this.uids.has(uid);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Reads the files; throws ProvisioningError (startup); returns the number of data sources. */
  load(): number {
    const { dataSources, warnings } = readProvisioning(this.paths, this.env);
    for (const w of warnings) this.log.warn('data source provisioning', { problem: w });
    this.replace(dataSources);
    return this.entries.size;
  }

  /** Like load(), but a failure is logged and the current set stays. */
  reload(): void {
    try {
      this.load();
    } catch (err) {
      this.log.error('data source provisioning reload failed; keeping the previous data sources', { error: err });
    }
  }

  /** Adds or replaces data sources defined in code (tests, embedding apps). */
  define(dataSources: readonly Omit<ProvisionedDataSource, 'source'>[]): void {
    const next = new Map(this.entries);
    for (const ds of dataSources) next.set(key(ds.orgId, ds.uid), this.entryFor({ ...ds, source: 'code' }));
    this.commit(next);
  }

  private replace(dataSources: readonly ProvisionedDataSource[]): void {
    const next = new Map<string, Entry>();
    for (const ds of dataSources) {
      const k = key(ds.orgId, ds.uid);
      const earlier = next.get(k);
      if (earlier !== undefined) this.log.warn('data source defined twice; the later definition wins', { uid: ds.uid, orgId: ds.orgId, source: ds.source });
      next.set(k, this.entryFor(ds));
    }
    this.commit(next);
  }

  private entryFor(ds: ProvisionedDataSource): Entry {
    const { source: _source, ...content } = ds;
    const fingerprint = JSON.stringify(content);
    const previous = this.entries.get(key(ds.orgId, ds.uid));
    const updated = previous !== undefined && previous.fingerprint === fingerprint ? previous.settings.updated : this.now();
    return {
      fingerprint,
      settings: { uid: ds.uid, name: ds.name, type: ds.type, orgId: ds.orgId, url: ds.url, jsonData: ds.jsonData, secureJsonData: ds.secureJsonData, updated },
    };
  }

  private commit(next: Map<string, Entry>): void {
    this.entries = next;
    this.uids = new Set([...next.values()].map((e) => e.settings.uid));
  }
}
