// Role 2 of a generator child: the fan-out publisher. livehub: Telegraf-style HTTP pushes of line
// protocol (the marker in the first line, `lines` lines per push) over a keep-alive agent; bare and
// Socket.IO: acknowledged publish messages over one WebSocket. 'rate' mode sends `rate` messages a
// second with at most `window` outstanding; 'window' mode keeps `window` in flight as fast as acks
// come. Every message carries the marker, so deliveries are counted the same way for all servers.

import { Agent, request } from 'node:http';
import { DELIVERY_OVERHEAD, isLivehub, nowMs, payloadText, wsPath } from '../protocol.js';
import { RawWs } from '../rawws.js';
import type { PublishCommand, PublishResult } from './commands.js';

function livehubBody(cmd: PublishCommand): string {
  const text = payloadText(cmd.size, DELIVERY_OVERHEAD.livehub);
  const ts = Math.round(nowMs());
  const lines = [`fanout,h=a p="${text}" ${ts}`];
  for (let i = 1; i < (cmd.lines ?? 1); i++) lines.push(`fanout,h=h${i} v=${i} ${ts}`);
  return lines.join('\n');
}

export async function publish(cmd: PublishCommand): Promise<PublishResult> {
  const result: PublishResult = { sent: 0, acked: 0, errors: 0, durationMs: 0 };
  let outstanding = 0;
  let sendOne: () => void;
  let cleanup = (): void => {};
  let wake: () => void = () => {};
  const onAck = (ok: boolean, err?: string): void => {
    outstanding--;
    if (ok) result.acked++;
    else {
      result.errors++;
      result.firstError ??= err;
    }
    wake();
  };

  if (isLivehub(cmd.protocol)) {
    const agent = new Agent({ keepAlive: true, maxSockets: Math.max(1, cmd.window) });
    const path = `/api/live/push/${cmd.channel}?precision=ms`;
    sendOne = () => {
      const body = livehubBody(cmd);
      outstanding++;
      result.sent++;
      const req = request(
        { host: cmd.host, port: cmd.port, method: 'POST', path, agent, headers: { authorization: `Bearer ${cmd.token ?? ''}`, 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => onAck(res.statusCode === 200, `HTTP ${res.statusCode} ${text}`));
        },
      );
      req.on('error', (e) => onAck(false, e.message));
      req.end(body);
    };
    cleanup = () => agent.destroy();
  } else {
    const ws = await new Promise<RawWs>((resolve, reject) => {
      new RawWs(cmd.host, cmd.port, wsPath(cmd.protocol), undefined, {
        open(x) {
          if (cmd.protocol === 'bare') resolve(x);
        },
        frame(x, buf, s, e) {
          const text = buf.toString('utf8', s, e);
          if (cmd.protocol === 'socketio') {
            if (text === '2') return x.send('3');
            if (text.startsWith('0')) return x.send('40');
            if (text.startsWith('40')) return resolve(x);
            if (text.startsWith('43')) return onAck(true);
            return;
          }
          for (const line of text.split('\n')) {
            if (line === '{}') x.send('{}');
            else if (line.startsWith('{"ack"')) onAck(true);
          }
        },
        close() {
          result.errors++;
        },
        fail(_x, reason) {
          reject(new Error(reason));
        },
      });
    });
    let id = 2_000_000;
    sendOne = () => {
      const data = JSON.stringify({ p: payloadText(cmd.size, DELIVERY_OVERHEAD[cmd.protocol]) });
      outstanding++;
      result.sent++;
      id++;
      if (cmd.protocol === 'bare') ws.send(`{"pub":${JSON.stringify(cmd.channel)},"id":${id},"data":${data}}`);
      else ws.send(`42${id}${JSON.stringify(['pub', cmd.channel])}`.slice(0, -1) + `,${data}]`);
    };
    cleanup = () => ws.close();
  }

  const started = performance.now();
  const end = started + cmd.durationMs;
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (timer !== undefined) clearInterval(timer);
      wake = () => {};
      resolve();
    };
    if (cmd.mode === 'window') {
      wake = () => {
        const now = performance.now();
        if (now >= end) {
          if (outstanding === 0) finish();
          return;
        }
        while (outstanding < cmd.window) sendOne();
      };
      wake();
      // Stop waiting for lost acks eventually.
      timer = setInterval(() => {
        if (performance.now() > end + 10_000) finish();
        else if (performance.now() >= end && outstanding === 0) finish();
      }, 50);
    } else {
      const tickMs = Math.max(2, Math.min(50, Math.floor(1000 / cmd.rate)));
      timer = setInterval(() => {
        const now = performance.now();
        if (now >= end) {
          if (outstanding === 0 || now > end + 10_000) finish();
          return;
        }
        const due = Math.floor(((now - started) / 1000) * cmd.rate) + 1 - result.sent;
        for (let k = 0; k < due && outstanding < cmd.window; k++) sendOne();
      }, tickMs);
    }
  });
  result.durationMs = performance.now() - started;
  cleanup();
  return result;
}
