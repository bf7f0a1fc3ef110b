// The BPMN editor page: bpmn-js with the Camunda 8 (zeebe) properties panel and behaviors, element templates,
// minimap, token simulation, problems panel, comments, versions and deploy.
import BpmnModeler from 'bpmn-js/lib/Modeler';
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  ZeebePropertiesProviderModule,
} from 'bpmn-js-properties-panel';
import { CloudElementTemplatesPropertiesProviderModule } from 'bpmn-js-element-templates';
import ZeebeBehaviorsModule from 'camunda-bpmn-js-behaviors/lib/camunda-cloud';
import MinimapModule from 'diagram-js-minimap';
import TokenSimulationModule from 'bpmn-js-token-simulation/lib/modeler';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import 'bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css';
import '@bpmn-io/properties-panel/assets/properties-panel.css';
import 'bpmn-js-element-templates/dist/assets/element-templates.css';
import 'diagram-js-minimap/assets/diagram-js-minimap.css';
import 'bpmn-js-token-simulation/assets/css/bpmn-js-token-simulation.css';
import '@camunda/linting/assets/linting.css';

import { api } from '../modeler/common/api.js';
import {
  createSaver, readEditorData, setupComments, setupDeploy, setupTabs, setupVersions,
} from '../modeler/common/file-editor.js';
import CommentBadgesModule from '../modeler/bpmn/comment-badges/index.js';
import LinkPickerModule from '../modeler/bpmn/link-picker/index.js';
import ProblemsModule from '../modeler/bpmn/problems/index.js';
import TemplatePickerModule from '../modeler/bpmn/template-picker/index.js';
import PlayHighlightsModule from '../modeler/bpmn/play-highlights/index.js';
import { setupPlay } from '../modeler/bpmn/play.js';

const data = readEditorData();
const started = performance.now();

const modeler = new BpmnModeler({
  container: '#canvas',
  propertiesPanel: { parent: '#properties' },
  additionalModules: [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    ZeebePropertiesProviderModule,
    ZeebeBehaviorsModule,
    CloudElementTemplatesPropertiesProviderModule,
    MinimapModule,
    TokenSimulationModule,
    ProblemsModule,
    CommentBadgesModule,
    LinkPickerModule,
    TemplatePickerModule,
    PlayHighlightsModule,
  ],
  moddleExtensions: { zeebe: zeebeModdle },
  // Templates are data fetched after the editor is up, so they never delay opening a diagram.
  elementTemplates: (done) => {
    api(`${data.apiBase}/element-templates`).then((templates) => done(null, templates), (err) => done(err));
  },
  problems: {
    list: '#problem-list',
    count: '#problem-count',
    messages: data.messages,
    validate: async (xml) => (await api(`${data.apiBase}/files/${data.fileId}/validate`, { method: 'POST', body: { content: xml } })).problems,
  },
  linkPicker: {
    container: '#link-picker',
    messages: data.messages,
    loadItems: async () => (await api(`${data.apiBase}/projects/${data.projectId}/linkable`)).items,
  },
  templatePicker: { container: '#link-picker', messages: data.messages },
  commentBadges: { label: data.messages.comments },
});
window.bpmnModeler = modeler; // for browser tests and debugging

const saver = createSaver({ data, getContent: async () => (await modeler.saveXML({ format: true })).xml });
const tabs = setupTabs();

function selectedTarget() {
  const selected = modeler.get('selection').get();
  if (selected.length !== 1) return { id: '', label: '' };
  const bo = selected[0].businessObject;
  return { id: selected[0].id, label: bo && bo.name ? `${bo.name} (${selected[0].id})` : selected[0].id };
}

const comments = setupComments({
  data,
  getTarget: selectedTarget,
  onThreads: (threads) => modeler.get('commentBadges').setThreads(threads),
});
modeler.on('selection.changed', () => {
  comments.renderTarget();
  comments.render();
});
modeler.on('commentBadges.open', () => tabs.show('comments'));
setupVersions({ data, saver });
setupDeploy({ data, saver, beforeDeploy: async () => {
  // Lint errors block a deploy too; the server adds the engine's own validation.
  const errors = await modeler.get('problemsPanel').refreshNow();
  return errors.filter((p) => p.source === 'lint').map((p) => ({ elementId: p.id, message: p.message, severity: 'error' }));
} });
setupPlay({ data, modeler, saver });

modeler.on('commandStack.changed', () => saver.changed());

// Shortcuts listen on the focused canvas (diagram-js 15); a press anywhere on the empty canvas focuses it too.
document.getElementById('canvas').addEventListener('click', (event) => {
  // Not when the click went to an input inside the canvas (search pad, label editing).
  if (event.target.closest('input, textarea, [contenteditable]')) return;
  setTimeout(() => modeler.get('canvas').restoreFocus(), 0); // only if nothing else took focus
});

document.getElementById('search-button').addEventListener('click', () => {
  // The search pad belongs to the focused canvas: focus it first, then open the pad once focus settled.
  modeler.get('canvas').focus();
  setTimeout(() => modeler.get('editorActions').trigger('find'), 0);
});
document.getElementById('shortcuts-button').addEventListener('click', () => document.getElementById('shortcuts-dialog').showModal());

async function open() {
  let content;
  try {
    content = await saver.load();
  } catch {
    return;
  }
  try {
    const { warnings } = await modeler.importXML(content);
    modeler.get('canvas').zoom('fit-viewport', 'auto');
    modeler.get('canvas').focus();
    if (!data.canEdit) modeler.get('minimap').open();
    comments.renderTarget();
    document.body.dataset.editorReady = 'true';
    document.body.dataset.openMs = String(Math.round(performance.now() - started));
    document.body.dataset.readyAt = String(Math.round(performance.now()));
    if (warnings.length) console.warn('import warnings', warnings); // eslint-disable-line no-console
  } catch (err) {
    saver.setStatus(`${data.messages.loadFailed} ${err.message}`, 'error');
  }
}

open();
