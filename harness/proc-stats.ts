// What a process costs, read from /proc (Linux): CPU seconds, resident memory, open files, and the
// kernel's TCP buffer memory. NaN where /proc cannot tell (process gone, not Linux).

import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) used so far by a process, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is state (field 3); utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return Number.NaN;
  }
}

function statusBytes(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** VmRSS of a process in bytes. */
export function rssBytes(pid: number): number {
  return statusBytes(pid, 'VmRSS');
}

/** VmHWM (peak resident memory) of a process in bytes. */
export function peakRssBytes(pid: number): number {
  return statusBytes(pid, 'VmHWM');
}

/** Open file descriptors of a process. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return Number.NaN;
  }
}

/** Kernel TCP memory of the whole host in bytes (/proc/net/sockstat `TCP: … mem` pages × 4096). */
export function kernelTcpBytes(): number {
  try {
    const m = /^TCP:.* mem (\d+)/m.exec(readFileSync('/proc/net/sockstat', 'utf8'));
    return m === null ? Number.NaN : Number(m[1]) * 4096;
  } catch {
    return Number.NaN;
  }
}
