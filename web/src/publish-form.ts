// Publishes one JSON message to the broadcast channel through POST /api/live/publish (what Grafana's
// frontend uses by default), with the caller's own identity. Shows the answer's status or message.

import { postJson } from './api.js';
import { h } from './dom.js';

export function publishForm(channel: () => string): HTMLFormElement {
  const body = h('textarea', { name: 'message', rows: 2, 'aria-label': 'Message (JSON)', 'data-testid': 'broadcast-message', spellcheck: false });
  body.value = '{"text": "hello from the console"}';
  const status = h('span', { class: 'form-status small', 'data-testid': 'broadcast-status', role: 'status' });
  const submit = h('button', { type: 'submit', text: 'Publish' });
  const form = h('form', { class: 'publish-form', 'data-testid': 'broadcast-form' }, body, h('div', { class: 'form-row' }, submit, status));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    let data: unknown;
    try {
      data = JSON.parse(body.value);
    } catch (err) {
      status.textContent = `not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
      status.dataset['ok'] = 'false';
      return;
    }
    const target = channel();
    submit.disabled = true;
    void postJson('api/live/publish', { channel: target, data }).then((res) => {
      submit.disabled = false;
      status.dataset['ok'] = String(res.error === undefined);
      status.textContent = res.error === undefined ? `published to ${target}` : `${res.status || 'error'}: ${res.error}`;
    });
  });
  return form;
}
