// Console settings kept in the browser: the org id used as the channels' tenant prefix
// (`<orgId>/<scope>/<namespace>/<path>`, as Grafana's frontend builds them). Default org 1.

const ORG_KEY = 'livehub.console.orgId';

function storage(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    // Storage can be disabled (privacy mode, sandboxed frames): the console still works with defaults.
    return undefined;
  }
}

export function parseOrgId(text: string): number | undefined {
  const value = Number(text.trim());
  return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}

export function getOrgId(): number {
  return parseOrgId(storage()?.getItem(ORG_KEY) ?? '') ?? 1;
}

export function setOrgId(orgId: number): void {
  storage()?.setItem(ORG_KEY, String(orgId));
}

/** The tenant-prefixed channel the WebSocket needs; HTTP endpoints take the unprefixed one. */
export function fullChannel(channel: string, orgId = getOrgId()): string {
  return `${orgId}/${channel}`;
}
