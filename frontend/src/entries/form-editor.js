// The form editor page: @bpmn-io/form-js editor with a live preview of the form as a user would fill it.
// The editor comes from form-js's self-contained UMD build: the ES build resolves two preact copies (form-js
// pins <=10.15.1, its properties panel takes the top-level 10.29.x) and its properties panel then crashes.
import * as FormEditorBundle from '../../node_modules/@bpmn-io/form-js/dist/form-editor.umd.js';
import { Form } from '@bpmn-io/form-js-viewer';

import '@bpmn-io/form-js/dist/assets/form-js.css';
import '@bpmn-io/form-js/dist/assets/form-js-editor.css';
import '@bpmn-io/form-js/dist/assets/properties-panel.css';

import { createSaver, readEditorData, setupComments, setupDeploy, setupTabs, setupVersions } from '../modeler/common/file-editor.js';

const data = readEditorData();
const { FormEditor } = FormEditorBundle;
const editor = new FormEditor({ container: document.getElementById('canvas') });
const preview = new Form({ container: document.getElementById('form-preview') });
const previewData = document.getElementById('form-preview-data');
window.formEditor = editor;
window.formPreview = preview;

const saver = createSaver({ data, getContent: async () => JSON.stringify(editor.saveSchema(), null, 2) });
setupTabs();
setupComments({ data });
setupVersions({ data, saver });
setupDeploy({ data, saver });

let previewTimer = null;
async function refreshPreview() {
  try {
    await preview.importSchema(editor.saveSchema(), {});
    previewData.textContent = '{}';
  } catch (err) {
    previewData.textContent = err.message;
  }
}
preview.on('changed', ({ data: values }) => {
  previewData.textContent = JSON.stringify(values, null, 2);
});

async function open() {
  let content;
  try {
    content = await saver.load();
  } catch {
    return;
  }
  try {
    await editor.importSchema(JSON.parse(content));
    await refreshPreview();
    editor.on('changed', () => {
      saver.changed();
      clearTimeout(previewTimer);
      previewTimer = setTimeout(refreshPreview, 150);
    });
    document.body.dataset.editorReady = 'true';
  } catch (err) {
    saver.setStatus(`${data.messages.loadFailed} ${err.message}`, 'error');
  }
}
open();
