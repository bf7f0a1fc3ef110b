// "Play": run the saved diagram on the engine's in-memory core in a server-side sandbox (per session).
// Jobs and user tasks wait for the user, who completes them here with chosen variables.
import { api, el } from '../common/api.js';

export function setupPlay({ data, modeler, saver }) {
  const startButton = document.getElementById('play-start');
  if (!startButton) return;
  const log = document.getElementById('play-log');
  const openEl = document.getElementById('play-open');
  const base = `${data.apiBase}/files/${data.fileId}/play`;
  const highlights = modeler.get('playHighlights');

  function parseVars(text) {
    const value = JSON.parse(text || '{}');
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(data.messages.invalidJson);
    return value;
  }

  function render(state) {
    highlights.show(state.waiting.map((item) => item.elementId));
    log.replaceChildren(...state.log.map((line) => el('li', {}, line)));
    openEl.replaceChildren();
    for (const item of state.waiting) {
      if (item.kind === 'timer') {
        openEl.append(el('div', { className: 'play-item' }, '⏱ ', item.label));
        continue;
      }
      const textarea = el('textarea', { rows: 2, 'aria-label': `${item.elementId} variables` }, '{}');
      const error = el('p', { className: 'error' });
      const button = el('button', { type: 'button', dataset: { testid: 'play-complete' }, onClick: async () => {
        try {
          const next = await api(`${base}/complete`, { method: 'POST', body: { key: item.key, variables: parseVars(textarea.value) } });
          render(next);
        } catch (err) {
          error.textContent = err.message;
        }
      } }, `✓ ${data.messages.complete}: ${item.label}`);
      openEl.append(el('div', { className: 'play-item' }, el('strong', {}, item.label), textarea, button, error));
    }
  }

  document.getElementById('play-advance').addEventListener('click', async () => {
    // Fires the timers that are due after moving the sandbox clock forward.
    try {
      const minutes = Number(document.getElementById('play-minutes').value);
      render(await api(`${base}/advance`, { method: 'POST', body: { minutes } }));
    } catch (err) {
      log.append(el('li', { className: 'error' }, err.message));
    }
  });

  startButton.addEventListener('click', async () => {
    log.replaceChildren();
    try {
      if (saver.state.dirty && !(await saver.save())) return;
      const variables = parseVars(document.getElementById('play-variables').value);
      render(await api(`${base}/start`, { method: 'POST', body: { variables } }));
    } catch (err) {
      log.replaceChildren(el('li', { className: 'error' }, err.message));
    }
  });
}
