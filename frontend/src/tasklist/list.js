// The task list: the server renders the first page; this keeps it fresh when tasks change elsewhere.
import { connectLive, debounce } from './live.js';

function pad(n) {
  return String(n).padStart(2, '0');
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function cell(label, content) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

function renderRow(task, labels, text) {
  const tr = document.createElement('tr');
  tr.dataset.taskKey = task.key;
  if (task.overdue) tr.className = 'tl-overdue';
  const link = document.createElement('a');
  link.href = task.url;
  link.className = 'tl-task-link';
  link.textContent = task.name;
  const due = document.createDocumentFragment();
  due.append(formatDate(task.dueDate) || '—');
  if (task.overdue) {
    const badge = document.createElement('span');
    badge.className = 'tl-badge tl-badge-danger';
    badge.textContent = text.overdue;
    due.append(' ', badge);
  }
  let assignee;
  if (task.assignedToMe) {
    assignee = document.createElement('strong');
    assignee.textContent = text.me;
  } else if (task.assignee) {
    assignee = document.createTextNode(task.assignee);
  } else {
    assignee = document.createElement('span');
    assignee.className = 'muted';
    assignee.textContent = text.unassigned;
  }
  const assigneeCell = cell(labels[6], assignee);
  assigneeCell.dataset.testid = 'assignee';
  tr.append(
    cell(labels[0], link),
    cell(labels[1], task.processName),
    cell(labels[2], formatDate(task.creationDate)),
    cell(labels[3], due),
    cell(labels[4], formatDate(task.followUpDate) || '—'),
    cell(labels[5], String(task.priority)),
    assigneeCell,
  );
  return tr;
}

export function mountList() {
  const data = JSON.parse(document.getElementById('tasklist-data').textContent);
  const text = JSON.parse(document.getElementById('tasklist-i18n').textContent);
  const tbody = document.getElementById('task-rows');
  const status = document.getElementById('tl-live');
  const labels = [...document.querySelectorAll('.tl-table thead th')].map((th) => th.textContent.replace(/[▲▼]/g, '').trim());
  let version = 0;

  async function refresh() {
    const mine = ++version;
    const query = window.location.search.replace(/^\?/, '');
    const response = await fetch(`${data.listUrl}?${query}`, { headers: { Accept: 'application/json' } });
    if (!response.ok || mine !== version) return;
    const payload = await response.json();
    const rows = payload.tasks.map((task) => renderRow(task, labels, text));
    if (!rows.length) {
      const tr = document.createElement('tr');
      tr.className = 'tl-empty';
      const td = document.createElement('td');
      td.colSpan = 7;
      td.textContent = text.none;
      tr.append(td);
      rows.push(tr);
    }
    tbody.replaceChildren(...rows);
    for (const view of payload.views) {
      const badge = document.querySelector(`[data-count-for="${CSS.escape(view.slug)}"]`);
      if (badge) badge.textContent = String(view.count);
    }
    status.textContent = text.updated;
    document.body.dataset.listVersion = String(mine);
  }

  const scheduled = debounce(refresh, 250);
  connectLive(data.socketPath, {
    onChange: scheduled,
    onStatus: (state) => {
      if (state === 'offline') status.textContent = text.offline;
      // After a reconnect, changes may have been missed: re-read once.
      if (state === 'connected' && document.body.dataset.liveSeen) scheduled();
      document.body.dataset.liveSeen = '1';
    },
  });
  // A safety net for changes no socket announced (e.g. a worker process on an in-memory channel layer):
  // re-read the visible list once a minute.
  setInterval(() => {
    if (document.visibilityState === 'visible') scheduled();
  }, 60000);
  // Keyboard: "/" focuses the search field, as in many list UIs.
  document.addEventListener('keydown', (event) => {
    if (event.key === '/' && !['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement?.tagName)) {
      const filters = document.querySelector('.tl-filters');
      if (filters) filters.open = true;
      document.getElementById('f-search')?.focus();
      event.preventDefault();
    }
  });
  window.tasklistRefresh = refresh; // for browser tests and debugging
}
