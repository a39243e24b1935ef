// Pushes line protocol to POST /api/live/push/<streamId> with a Bearer token (Editor or Admin),
// like Telegraf's outputs.http, and shows the status and livehub's parser message on a 400.
// The token lives in sessionStorage only: it survives a reload, not the closed tab.

import { request } from './api.js';
import { h, panel } from './dom.js';

const TOKEN_KEY = 'livehub.console.pushToken';
const EXAMPLE = 'cpu,host=laptop usage_user=12.5,usage_system=3.1\ncpu,host=phone usage_user=7,usage_system=1.2';

function session(): Storage | undefined {
  try {
    return window.sessionStorage;
  } catch {
    return undefined;
  }
}

export function pushPanel(): HTMLElement {
  const p = panel('Push line protocol', 'push-form', 'push');
  const streamId = h('input', { name: 'streamId', value: 'console', required: true, autocomplete: 'off', spellcheck: false, 'data-testid': 'push-stream' });
  const format = h('select', { name: 'format', 'data-testid': 'push-format' }, h('option', { value: 'labels_column', text: 'labels_column' }), h('option', { value: 'wide', text: 'wide' }));
  const token = h('input', { name: 'token', type: 'password', placeholder: 'glh_… (Editor or Admin)', autocomplete: 'off', 'data-testid': 'push-token' });
  token.value = session()?.getItem(TOKEN_KEY) ?? '';
  const lines = h('textarea', { name: 'lines', rows: 4, spellcheck: false, 'aria-label': 'Line protocol', 'data-testid': 'push-lines' });
  lines.value = EXAMPLE;
  const status = h('p', { class: 'form-status small', 'data-testid': 'push-status', role: 'status' });
  const submit = h('button', { type: 'submit', text: 'Push' });
  const label = (text: string, control: HTMLElement, cls = ''): HTMLElement => h('label', { class: `field ${cls}` }, h('span', { text }), control);
  const form = h(
    'form',
    { class: 'push' },
    h('div', { class: 'form-grid' }, label('Stream id', streamId), label('Format', format), label('Token', token, 'wide-field')),
    label('Lines', lines, 'wide-field'),
    h('div', { class: 'form-row' }, submit, status),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const id = streamId.value.trim();
    const secret = token.value.trim();
    session()?.setItem(TOKEN_KEY, secret);
    const query = format.value === 'wide' ? '?gf_live_frame_format=wide' : '';
    const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (secret !== '') headers['Authorization'] = `Bearer ${secret}`;
    submit.disabled = true;
    status.textContent = 'pushing…';
    void request(`api/live/push/${encodeURIComponent(id)}${query}`, { method: 'POST', headers, body: lines.value }).then((res) => {
      submit.disabled = false;
      status.dataset['status'] = String(res.status);
      status.dataset['ok'] = String(res.error === undefined);
      if (res.error === undefined) status.textContent = `${res.status} accepted: stream/${id}/<measurement>`;
      else if (res.status === 401) status.textContent = `401: ${res.error} (a token is needed to push)`;
      else status.textContent = `${res.status || 'error'}: ${res.error}`;
    });
  });
  p.body.append(form);
  return p.root;
}
