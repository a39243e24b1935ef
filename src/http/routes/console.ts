// GET / and GET /assets/*: the Live console built by Vite into dist/web. index.html is revalidated
// on every load (no-cache + ETag) while the content-hashed assets are cached for a year. When the
// console was not built, "/" shows a plain page telling the operator to run `npm run build`.

import { createReadStream, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendMessage } from '../respond.js';
import type { RouteContext, Router } from '../router.js';

export interface ConsoleOptions {
  /** Shown on the fallback page. */
  readonly version: string;
  /** Folder of the built console; default dist/web next to the compiled server. */
  readonly root?: string;
}

/** dist/src/http/routes/console.js → dist/web/ (the Vite output folder). */
export function defaultConsoleRoot(): string {
  return fileURLToPath(new URL('../../../web/', import.meta.url));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

// The page talks only to its own origin (HTTP API and the Live WebSocket). uPlot sets inline styles.
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

/** Vite names built assets `<name>-<hash>.<ext>`: those never change and may be cached forever. */
const HASHED = /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;

function etagOf(stats: Stats): string {
  return `W/"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}"`;
}

async function fileStats(path: string): Promise<Stats | undefined> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats : undefined;
  } catch {
    return undefined;
  }
}

function notModified(ctx: RouteContext, etag: string, cacheControl: string): boolean {
  if (ctx.req.headers['if-none-match'] !== etag) return false;
  ctx.res.writeHead(304, { ETag: etag, 'Cache-Control': cacheControl });
  ctx.res.end();
  return true;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page shown at "/" when dist/web is missing: what livehub is, its endpoints, how to get the console. */
export function fallbackPage(version: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>livehub</title></head><body style="font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5">
<h1>livehub ${escapeHtml(version)}</h1>
<p>Real-time streaming server compatible with Grafana Live.</p>
<p><strong>The Live console is not built.</strong> Run <code>npm run build</code> (it writes <code>dist/web/</code>) and reload this page.</p>
<ul>
<li>WebSocket (Centrifuge protocol v2): <code>/api/live/ws</code></li>
<li>Publish: <code>POST /api/live/publish</code></li>
<li>Push (line protocol): <code>POST /api/live/push/&lt;streamId&gt;</code></li>
<li>Streams: <a href="api/live/list">/api/live/list</a></li>
<li>Health: <a href="api/health">/api/health</a></li>
</ul></body></html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string, head: boolean, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), 'X-Content-Type-Options': 'nosniff', ...extra });
  res.end(head ? undefined : html);
}

/** GET /: the console's index.html, read on each request so a rebuild needs no restart. */
export function consoleIndexRoute(options: ConsoleOptions) {
  const root = resolve(options.root ?? defaultConsoleRoot());
  return async (ctx: RouteContext): Promise<void> => {
    const head = ctx.req.method === 'HEAD';
    const path = resolve(root, 'index.html');
    const stats = await fileStats(path);
    if (stats === undefined) return sendHtml(ctx.res, 200, fallbackPage(options.version), head, { 'Cache-Control': 'no-cache' });
    const etag = etagOf(stats);
    if (notModified(ctx, etag, 'no-cache')) return;
    const html = await readFile(path, 'utf8');
    sendHtml(ctx.res, 200, html, head, {
      'Cache-Control': 'no-cache',
      ETag: etag,
      'Content-Security-Policy': CSP,
      'Referrer-Policy': 'same-origin',
    });
  };
}

/** GET /assets/*: files under <root>/assets only; anything resolving outside is a 404. */
export function consoleAssetRoute(options: ConsoleOptions) {
  const assets = resolve(options.root ?? defaultConsoleRoot(), 'assets');
  return async (ctx: RouteContext): Promise<void> => {
    let relative: string;
    try {
      relative = decodeURIComponent(ctx.params['*'] ?? '');
    } catch {
      return sendMessage(ctx.res, 404, 'Not Found');
    }
    const path = resolve(assets, relative);
    // resolve() collapses "..": after it, the path must still be strictly inside assets/.
    if (relative === '' || relative.includes('\0') || !path.startsWith(assets + sep)) return sendMessage(ctx.res, 404, 'Not Found');
    const stats = await fileStats(path);
    if (stats === undefined) return sendMessage(ctx.res, 404, 'Not Found');
    const cacheControl = HASHED.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
    const etag = etagOf(stats);
    if (notModified(ctx, etag, cacheControl)) return;
    ctx.res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': stats.size,
      'Cache-Control': cacheControl,
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
    });
    if (ctx.req.method === 'HEAD') return void ctx.res.end();
    await new Promise<void>((done) => {
      const stream = createReadStream(path);
      stream.on('error', () => {
        ctx.res.destroy(); // headers are out: all we can do is cut the response
        done();
      });
      stream.on('end', done);
      stream.pipe(ctx.res);
    });
  };
}

const installed = new WeakSet<Router>();

/**
 * Adds the console's routes. Idempotent per router, so a test can call it whether or not the
 * composition root already did. Add it before any other GET "/" route: the router matches in order.
 */
export function installConsole(router: Router, options: ConsoleOptions): void {
  if (installed.has(router)) return;
  installed.add(router);
  router.add('GET', '/', consoleIndexRoute(options));
  router.add('GET', '/assets/*', consoleAssetRoute(options));
}
