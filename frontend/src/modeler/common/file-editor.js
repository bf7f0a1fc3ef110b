// What every editor page shares: saving (never losing work), side tabs, comments, versions, deploy.
import { api, el } from './api.js';

export function readEditorData() {
  return JSON.parse(document.getElementById('editor-data').textContent);
}

/**
 * Save plumbing around an editor. `getContent` returns the content to store (a Promise of a string).
 * A failed save leaves the editor untouched and says why.
 */
export function createSaver({ data, getContent, onSaved = () => {} }) {
  const statusEl = document.getElementById('save-status');
  const saveButton = document.getElementById('save-button');
  const state = { revision: null, dirty: false, saving: false };

  function setStatus(text, kind = '') {
    statusEl.textContent = text;
    statusEl.className = kind ? `status-${kind}` : 'muted';
  }

  async function save() {
    if (!data.canEdit || state.saving) return false;
    state.saving = true;
    if (saveButton) saveButton.disabled = true;
    setStatus(data.messages.saving);
    try {
      const content = await getContent();
      const body = await api(data.contentUrl, { method: 'PUT', body: { content, revision: state.revision } });
      state.revision = body.revision;
      state.dirty = false;
      setStatus(data.messages.saved, 'ok');
      onSaved(content);
      return true;
    } catch (err) {
      // The editor keeps its content: nothing is lost when a save fails.
      setStatus(`${data.messages.failed} ${err.message}`, 'error');
      return false;
    } finally {
      state.saving = false;
      if (saveButton) saveButton.disabled = false;
    }
  }

  function changed() {
    state.dirty = true;
    setStatus(data.messages.unsaved);
  }

  if (saveButton) saveButton.addEventListener('click', save);
  document.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === 's') {
      event.preventDefault();
      save();
    }
  });
  window.addEventListener('beforeunload', (event) => {
    if (state.dirty) event.preventDefault();
  });

  async function load() {
    try {
      const body = await api(data.contentUrl);
      state.revision = body.revision;
      return body.content;
    } catch (err) {
      setStatus(`${data.messages.loadFailed} ${err.message}`, 'error');
      throw err;
    }
  }

  return { save, changed, load, setStatus, state };
}

export function setupTabs() {
  const tabs = [...document.querySelectorAll('.side-tabs [data-tab]')];
  function show(name) {
    for (const tab of tabs) tab.setAttribute('aria-selected', String(tab.dataset.tab === name));
    for (const panel of document.querySelectorAll('.side-panel')) panel.hidden = panel.dataset.panel !== name;
  }
  for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset.tab));
  return { show };
}

/** Comment threads of the file; `getTarget()` names the selected element (or '' for the diagram). */
export function setupComments({ data, getTarget = () => ({ id: '', label: '' }), onThreads = () => {} }) {
  const url = `${data.apiBase}/files/${data.fileId}/comments`;
  const list = document.getElementById('comment-threads');
  const form = document.getElementById('comment-form');
  const text = document.getElementById('comment-text');
  const targetEl = document.getElementById('comment-target');
  const countEl = document.getElementById('comment-count');
  const m = data.messages;
  let threads = [];

  if (!data.canComment) form.hidden = true;

  function renderTarget() {
    const target = getTarget();
    targetEl.textContent = target.id ? `→ ${target.label || target.id}` : `→ ${m.diagram}`;
  }

  function comment(c) {
    const body = el('div', { className: 'comment-body' });
    body.innerHTML = c.html; // sanitized server-side with nh3
    return el('div', { className: 'comment', id: `comment-${c.id}` },
      el('div', { className: 'comment-meta' }, el('strong', {}, c.author), ' ', el('time', { datetime: c.createdAt }, new Date(c.createdAt).toLocaleString())),
      body);
  }

  function render() {
    list.replaceChildren();
    const target = getTarget();
    const open = threads.filter((t) => !t.resolved).length;
    countEl.textContent = String(open);
    for (const t of threads) {
      const where = t.detached ? m.detached : (t.elementId || m.diagram);
      const replyForm = data.canComment ? el('form', { className: 'reply-form', onSubmit: async (event) => {
        event.preventDefault();
        const input = event.target.querySelector('textarea');
        if (!input.value.trim()) return;
        await api(url, { method: 'POST', body: { text: input.value, parent: t.id } });
        refresh();
      } }, el('textarea', { rows: 1, 'aria-label': m.reply, placeholder: m.reply }), el('button', { type: 'submit' }, m.reply)) : null;
      const resolveButton = data.canComment ? el('button', { type: 'button', className: 'link-button', dataset: { testid: 'resolve' }, onClick: async () => {
        await api(`${url}/${t.id}/resolve`, { method: 'POST', body: { resolved: !t.resolved } });
        refresh();
      } }, t.resolved ? m.reopen : m.resolve) : null;
      const classes = ['thread', t.resolved ? 'resolved' : '', t.detached ? 'detached' : '', target.id && target.id === t.elementId ? 'current' : ''];
      list.append(el('article', { className: classes.join(' '), dataset: { elementId: t.elementId, thread: t.id } },
        el('div', { className: 'thread-where' }, where, t.resolved ? ` · ${m.resolved}` : '', ' ', resolveButton),
        comment(t), ...t.replies.map(comment), replyForm));
    }
  }

  async function refresh() {
    const body = await api(url);
    threads = body.threads;
    render();
    onThreads(threads);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    await api(url, { method: 'POST', body: { text: text.value, elementId: getTarget().id } });
    text.value = '';
    refresh();
  });

  refresh();
  return { refresh, renderTarget, render, threads: () => threads };
}

export function setupVersions({ data, saver }) {
  const url = `${data.apiBase}/files/${data.fileId}/versions`;
  const list = document.getElementById('version-list');
  const form = document.getElementById('version-form');

  async function refresh() {
    const body = await api(url);
    list.replaceChildren(...body.versions.map((v) => el('li', {},
      el('a', { href: v.url }, v.name), el('div', { className: 'muted' }, `${v.createdBy} · ${new Date(v.createdAt).toLocaleString()}`))));
  }

  if (form) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      // A milestone is of the content as saved: save pending work first.
      if (saver.state.dirty && !(await saver.save())) return;
      const input = document.getElementById('version-name');
      await api(url, { method: 'POST', body: { name: input.value } });
      input.value = '';
      refresh();
    });
  }
  refresh();
  return { refresh };
}

/** The deploy dialog: shows what changes and the problems, deploys, then starts an instance with variables. */
export function setupDeploy({ data, saver, beforeDeploy = async () => [] }) {
  const button = document.getElementById('deploy-button');
  const dialog = document.getElementById('deploy-dialog');
  if (!button || !dialog) return;
  const m = data.messages;
  const planBody = document.getElementById('deploy-plan');
  const problemsEl = document.getElementById('deploy-problems');
  const statusEl = document.getElementById('deploy-status');
  const confirmButton = document.getElementById('deploy-confirm');
  const startSection = document.getElementById('start-section');
  const url = `${data.apiBase}/projects/${data.projectId}/deploy`;

  function showProblems(problems) {
    problemsEl.replaceChildren();
    if (!problems.length) return;
    problemsEl.append(el('p', {}, m.deployRefused),
      el('ul', { dataset: { testid: 'deploy-problem-list' } }, ...problems.map((p) => el('li', {}, `${p.file ? p.file + ' · ' : ''}${p.elementId ? p.elementId + ': ' : ''}${p.message}`))));
  }

  async function open() {
    statusEl.textContent = '';
    startSection.hidden = true;
    if (saver.state.dirty && !(await saver.save())) return;
    const [plan, localProblems] = await Promise.all([api(url), beforeDeploy()]);
    planBody.replaceChildren(...plan.plan.map((row) => el('tr', { dataset: { status: row.status } },
      el('td', {}, row.name), el('td', {}, row.kind), el('td', {}, m[row.status] || row.status))));
    const problems = [...localProblems, ...plan.problems.filter((p) => p.severity === 'error')];
    showProblems(problems);
    confirmButton.disabled = problems.length > 0;
    dialog.showModal();
  }

  confirmButton.addEventListener('click', async () => {
    confirmButton.disabled = true;
    try {
      const result = await api(url, { method: 'POST', body: {} });
      statusEl.textContent = `${m.deployed} ${result.key || ''}`;
      if (data.kind === 'bpmn') startSection.hidden = false;
    } catch (err) {
      statusEl.textContent = err.message;
      if (err.body && err.body.problems) showProblems(err.body.problems);
      confirmButton.disabled = false;
    }
  });

  document.getElementById('start-button').addEventListener('click', async () => {
    const errorEl = document.getElementById('start-error');
    const resultEl = document.getElementById('start-result');
    errorEl.textContent = '';
    let variables;
    try {
      variables = JSON.parse(document.getElementById('start-variables').value || '{}');
    } catch (err) {
      errorEl.textContent = `${m.invalidJson} ${err.message}`;
      return;
    }
    if (variables === null || typeof variables !== 'object' || Array.isArray(variables)) {
      errorEl.textContent = m.invalidJson;
      return;
    }
    try {
      const body = await api(`${data.apiBase}/files/${data.fileId}/start`, { method: 'POST', body: { variables } });
      resultEl.replaceChildren(`${m.started} `, el('a', { href: body.url, dataset: { testid: 'instance-link' } }, body.key));
    } catch (err) {
      errorEl.textContent = err.message;
    }
  });
  document.getElementById('start-variables').addEventListener('input', (event) => {
    const errorEl = document.getElementById('start-error');
    try {
      const value = JSON.parse(event.target.value || '{}');
      errorEl.textContent = value && typeof value === 'object' && !Array.isArray(value) ? '' : m.invalidJson;
    } catch (err) {
      errorEl.textContent = `${m.invalidJson} ${err.message}`;
    }
  });
  document.getElementById('deploy-cancel').addEventListener('click', () => dialog.close());
  button.addEventListener('click', open);
}
