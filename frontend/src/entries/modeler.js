// The BPMN editor page: bpmn-js with the Camunda 8 (zeebe) properties panel and behaviors.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  ZeebePropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import '../modeler.css';

import { getCookie } from '../csrf.js';

const data = JSON.parse(document.getElementById('editor-data').textContent);
const statusEl = document.getElementById('save-status');
const saveButton = document.getElementById('save-button');

const modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#properties' },
  additionalModules: [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    ZeebePropertiesProviderModule,
    ZeebeBehaviorsModule,
  ],
  moddleExtensions: { zeebe: zeebeModdle },
  keyboard: { bindTo: document },
});
window.bpmnModeler = modeler; // for browser tests and debugging

let revision = null;
let dirty = false;

function setStatus(text, kind = '') {
  statusEl.textContent = text;
  statusEl.className = kind ? `status-${kind}` : 'muted';
}

async function load() {
  const response = await fetch(data.contentUrl, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) {
    setStatus(`${data.messages.loadFailed} ${body.detail || response.status}`, 'error');
    return;
  }
  revision = body.revision;
  try {
    await modeler.importXML(body.content);
    modeler.get('canvas').zoom('fit-viewport', 'auto');
    document.body.dataset.editorReady = 'true';
  } catch (err) {
    setStatus(`${data.messages.loadFailed} ${err.message}`, 'error');
  }
}

async function save() {
  if (!data.canEdit) return;
  saveButton.disabled = true;
  setStatus(data.messages.saving);
  try {
    const { xml } = await modeler.saveXML({ format: true });
    const response = await fetch(data.contentUrl, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': getCookie('csrftoken') },
      body: JSON.stringify({ content: xml, revision }),
    });
    const body = await response.json();
    if (!response.ok) {
      // The editor keeps its content: nothing is lost when a save fails.
      setStatus(`${data.messages.failed} ${body.detail || response.status}`, 'error');
      return;
    }
    revision = body.revision;
    dirty = false;
    setStatus(data.messages.saved, 'ok');
  } catch (err) {
    setStatus(`${data.messages.failed} ${err.message}`, 'error');
  } finally {
    saveButton.disabled = false;
  }
}

modeler.on('commandStack.changed', () => {
  dirty = true;
  setStatus(data.messages.unsaved);
});

if (saveButton) saveButton.addEventListener('click', save);
document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === 's') {
    event.preventDefault();
    save();
  }
});
window.addEventListener('beforeunload', (event) => {
  if (dirty) event.preventDefault();
});

load();
