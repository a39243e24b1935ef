// Entry point of the Live console: builds the header (connection state, org setting) and the
// panels, wires the stream list to the chart, and starts the connection and the polls.
// Each panel lives in its own module; this file only composes them.

import './styles.css';
import { ChartPanel } from './chart.js';
import { ClusterPanel } from './cluster.js';
import { connectionBadge, LiveConnection } from './connection.js';
import { h } from './dom.js';
import { DEFAULT_BROADCAST, EventsPanel } from './events.js';
import { pushPanel } from './push-form.js';
import { getOrgId, parseOrgId, setOrgId } from './settings.js';
import { StreamsList } from './streams-list.js';

function orgSetting(): HTMLElement {
  const input = h('input', { type: 'number', min: 1, step: 1, value: getOrgId(), 'aria-label': 'Org id', 'data-testid': 'org-id', inputmode: 'numeric' });
  const form = h('form', { class: 'org', title: 'Org id used as the channels’ tenant prefix' }, h('label', { for: 'org-id', text: 'Org' }), input);
  input.id = 'org-id';
  form.addEventListener('change', () => {
    const orgId = parseOrgId(input.value);
    if (orgId === undefined || orgId === getOrgId()) return;
    setOrgId(orgId);
    // Every subscription carries the prefix: a reload re-subscribes everything consistently.
    window.location.reload();
  });
  form.addEventListener('submit', (e) => e.preventDefault());
  return form;
}

function channelFromHash(): string {
  try {
    return decodeURIComponent(window.location.hash.slice(1));
  } catch {
    return ''; // a hand-edited, malformed hash: start without a selection
  }
}

function start(): void {
  const connection = new LiveConnection();
  const chart = new ChartPanel(connection);
  const streams = new StreamsList((channel) => {
    chart.show(channel);
    // The selection survives a reload and can be shared as a link.
    history.replaceState(null, '', `#${encodeURIComponent(channel)}`);
    // On a phone the chart sits below the list: bring it into view.
    if (window.matchMedia('(max-width: 699px)').matches) chart.root.scrollIntoView({ block: 'start', behavior: 'smooth' });
  });
  const events = new EventsPanel(connection);
  const cluster = new ClusterPanel();

  const header = h(
    'header',
    { class: 'topbar' },
    h('div', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), h('h1', {}, 'livehub ', h('span', { class: 'muted', text: 'Live console' }))),
    connectionBadge(connection),
    orgSetting(),
  );
  const grid = h('main', { class: 'grid' }, streams.root, chart.root, events.root, pushPanel(), cluster.root);
  document.getElementById('app')!.replaceChildren(header, grid);

  connection.connect();
  streams.start();
  cluster.start();
  // Refresh right away on connect/drop so the counts include (or lose) this tab without waiting a poll.
  connection.onState((info) => {
    if (info.state !== 'connecting') void cluster.refresh();
  });
  events.watch('broadcast', DEFAULT_BROADCAST);
  const fromHash = channelFromHash();
  if (fromHash !== '') {
    streams.select(fromHash);
    chart.show(fromHash);
  }
}

start();
