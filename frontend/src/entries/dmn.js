// The DMN editor page: dmn-js (DRD, decision tables, literal expressions) with views as tabs.
import DmnModeler from 'dmn-js/lib/Modeler';

import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';

import { createSaver, readEditorData, setupComments, setupDeploy, setupTabs, setupVersions } from '../modeler/common/file-editor.js';

const data = readEditorData();
const modeler = new DmnModeler({ container: '#canvas', common: {} });
window.dmnModeler = modeler;

const saver = createSaver({ data, getContent: async () => (await modeler.saveXML({ format: true })).xml });
setupTabs();
setupComments({ data });
setupVersions({ data, saver });
setupDeploy({ data, saver });

const tabsEl = document.getElementById('dmn-views');
const listening = new WeakSet();

function renderViews() {
  const active = modeler.getActiveView();
  tabsEl.replaceChildren(...modeler.getViews().map((view) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.setAttribute('role', 'tab');
    button.setAttribute('aria-selected', String(active && view.id === active.id && view.type === active.type));
    const kind = { drd: 'DRD', decisionTable: data.messages.table, literalExpression: data.messages.literal }[view.type] || view.type;
    button.textContent = view.type === 'drd' ? kind : `${kind}: ${view.name || view.id}`;
    button.dataset.viewType = view.type;
    button.addEventListener('click', () => modeler.open(view));
    return button;
  }));
  const viewer = modeler.getActiveViewer();
  if (viewer && !listening.has(viewer)) {
    listening.add(viewer);
    viewer.get('eventBus').on('commandStack.changed', () => saver.changed());
  }
}
modeler.on('views.changed', renderViews);

async function open() {
  let content;
  try {
    content = await saver.load();
  } catch {
    return;
  }
  try {
    await modeler.importXML(content);
    renderViews();
    document.body.dataset.editorReady = 'true';
  } catch (err) {
    saver.setStatus(`${data.messages.loadFailed} ${err.message}`, 'error');
  }
}
open();
