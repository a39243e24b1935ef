// Dashboard identifiers: Grafana's uid rules (≤ 40 chars of [a-zA-Z0-9_-]), short random uids for
// new dashboards, and URL slugs derived from titles.

import { randomInt } from 'node:crypto';
import { DashboardErrors } from './errors.js';

export const MAX_UID_LENGTH = 40;

const UID_PATTERN = /^[a-zA-Z0-9_-]*$/;
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const ALNUM = LOWER + '0123456789';

/** Throws the Grafana error for an unusable uid ("" is fine: one is generated). */
export function checkUid(uid: string): void {
  if (uid.length > MAX_UID_LENGTH) throw DashboardErrors.uidTooLong();
  if (!UID_PATTERN.test(uid)) throw DashboardErrors.invalidUid();
}

/** 14 characters, a letter first (Grafana's current short-uid shape), e.g. "f3kq0zm1x9abcd". */
export function generateUid(): string {
  let uid = LOWER[randomInt(LOWER.length)]!;
  for (let i = 1; i < 14; i++) uid += ALNUM[randomInt(ALNUM.length)]!;
  return uid;
}

/** "Production Overview (EU)" → "production-overview-eu"; accents are folded ("Café" → "cafe"). */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function dashboardUrl(uid: string, slug: string): string {
  return `/d/${uid}/${slug}`;
}
