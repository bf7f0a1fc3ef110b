// One task: its form (form-js), the process diagram with the task highlighted (bpmn-js), drafts, completion.
import { createForm, postJson, showErrors, showMessage, uploadPickedFiles } from './formkit.js';
import { getCookie } from '../csrf.js';
import { connectLive, debounce } from './live.js';

let completing = false;

async function mountDiagram(xml, elementId) {
  const container = document.getElementById('diagram');
  if (!xml || !container) return;
  const { default: NavigatedViewer } = await import('bpmn-js/lib/NavigatedViewer');
  await import('bpmn-js/dist/assets/diagram-js.css');
  await import('bpmn-js/dist/assets/bpmn-js.css');
  const viewer = new NavigatedViewer({ container });
  try {
    await viewer.importXML(xml);
    const canvas = viewer.get('canvas');
    canvas.zoom('fit-viewport', 'auto');
    if (viewer.get('elementRegistry').get(elementId)) canvas.addMarker(elementId, 'tl-current');
    document.body.dataset.diagramReady = 'true';
  } catch (err) {
    container.textContent = err.message;
  }
  window.tasklistViewer = viewer;
}

export async function mountTask() {
  const detail = JSON.parse(document.getElementById('task-data').textContent);
  const text = JSON.parse(document.getElementById('task-i18n').textContent);
  const summary = document.getElementById('form-errors');
  const draftStatus = document.getElementById('draft-status');
  const completeButton = document.getElementById('complete-button');
  const canComplete = detail.permissions.complete;
  let form = null;

  mountDiagram(detail.diagramXml, detail.task.elementId);

  // A copy of the draft in this browser bridges a reload that beats the last save to the server.
  const localKey = `tasklist-draft-${detail.task.key}`;
  let localDraft = null;
  try {
    localDraft = JSON.parse(window.localStorage.getItem(localKey) || 'null');
  } catch {
    localDraft = null;
  }
  const serverAt = detail.draftSavedAt ? Date.parse(detail.draftSavedAt) : 0;
  const newerLocal = canComplete && localDraft && localDraft.at > serverAt ? localDraft.data : null;
  if (!canComplete) window.localStorage.removeItem(localKey);

  if (detail.schema) {
    const draft = newerLocal || (canComplete ? detail.draft : null);
    const data = { ...(detail.variables || {}), ...(draft || {}) };
    form = await createForm(document.getElementById('form-container'), detail.schema, data, {
      readOnly: !canComplete,
    });
    window.tasklistForm = form;
    if (canComplete) {
      let pending = null;
      const saveDraft = debounce(async () => {
        if (!pending) return;
        const formData = pending;
        pending = null;
        draftStatus.textContent = text.saving;
        const result = await postJson(detail.urls.draft, { data: formData }, 'PUT');
        draftStatus.textContent = result.ok ? text.saved : '';
        if (result.ok) document.body.dataset.draftSaved = result.body.savedAt;
      }, 800);
      form.on('changed', ({ data: formData }) => {
        pending = formData;
        try {
          window.localStorage.setItem(localKey, JSON.stringify({ at: Date.now(), data: formData }));
        } catch {
          // storage full or disabled: the server copy still follows
        }
        saveDraft();
      });
      if (newerLocal) {
        pending = newerLocal;
        saveDraft();
      }
      // Leaving or reloading before the debounce fired: send the last edit anyway (keepalive outlives the page).
      window.addEventListener('pagehide', () => {
        if (!pending || completing) return;
        fetch(detail.urls.draft, {
          method: 'PUT',
          keepalive: true,
          headers: { 'Content-Type': 'application/json', 'X-CSRFToken': getCookie('csrftoken') },
          body: JSON.stringify({ data: pending }),
        });
        pending = null;
      });
    }
  }
  document.body.dataset.formReady = 'true';

  completeButton?.addEventListener('click', async () => {
    summary.hidden = true;
    let data = {};
    if (form) {
      const result = form.submit();
      if (Object.keys(result.errors).length) {
        summary.hidden = true;
        return; // form-js shows its own messages next to the fields
      }
      try {
        data = await uploadPickedFiles(result.data, result.files, detail.urls.upload);
      } catch (err) {
        showMessage(summary, `${text.failed} ${err.message}`);
        return;
      }
    }
    completeButton.disabled = true;
    completing = true;
    draftStatus.textContent = text.completing;
    const response = await postJson(detail.urls.complete, { data });
    completeButton.disabled = false;
    draftStatus.textContent = '';
    if (!response.ok) completing = false;
    if (response.ok) {
      window.localStorage.removeItem(localKey);
      window.location.assign(`${response.body.next}?completed=${detail.task.key}`);
      return;
    }
    if (response.status === 400 && response.body.fieldErrors) {
      showErrors(summary, form, detail.schema, response.body.fieldErrors, text.fix);
    } else if (response.status === 409) {
      showMessage(summary, text.conflict);
    } else {
      showMessage(summary, `${text.failed} ${response.body.detail || response.status}`);
    }
  });

  // Someone else claimed, assigned or completed this task: show its new state.
  connectLive('/ws/tasks/', {
    onChange: debounce(async (message) => {
      if (message.key !== detail.task.key) return;
      const response = await fetch(detail.urls.detail, { headers: { Accept: 'application/json' } });
      if (!response.ok) return window.location.reload();
      const fresh = await response.json();
      if (fresh.task.assignee !== detail.task.assignee || fresh.task.state !== detail.task.state) {
        window.location.reload();
      }
    }, 300),
  });
}
