// Read-only BPMN pages: a saved version (with restore for editors), and the visual diff of two versions:
// two synced viewers, bpmn-js-differ for structure and layout, and the server's property comparison for
// everything else, zeebe extension elements included.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import zeebeModdle from 'zeebe-bpmn-moddle/resources/zeebe.json';

// Styles inlined and injected: this entry shares its code chunk with the editor, and Vite would name its
// stylesheet after that shared chunk instead of the entry.
import diagramCss from 'bpmn-js/dist/assets/diagram-js.css?inline';
import bpmnCss from 'bpmn-js/dist/assets/bpmn-js.css?inline';
import modelerCss from '../modeler/modeler.css?inline';

import { api, el } from '../modeler/common/api.js';

import { diff } from 'bpmn-js-differ';
import DiffMarkersModule from '../modeler/bpmn/diff/index.js';

function versionPage(data) {
  const container = document.getElementById('canvas');
  
  async function run() {
    const version = await api(data.contentUrl);
    if (version.kind === 'bpmn') {
      const viewer = new NavigatedViewer({ container, moddleExtensions: { zeebe: zeebeModdle } });
      await viewer.importXML(version.content);
      viewer.get('canvas').zoom('fit-viewport');
      window.bpmnViewer = viewer;
    } else if (version.kind === 'dmn') {
      // Loaded on demand: most versions opened here are diagrams.
      const [{ default: DmnViewer }, css] = await Promise.all([
        import('dmn-js/lib/NavigatedViewer'), import('../modeler/viewer/dmn-styles.js'),
      ]);
      css.inject();
      const viewer = new DmnViewer({ container });
      await viewer.importXML(version.content);
      window.dmnViewer = viewer;
    } else {
      const [{ Form }, css] = await Promise.all([import('@bpmn-io/form-js-viewer'), import('../modeler/viewer/form-styles.js')]);
      css.inject();
      const form = new Form({ container });
      await form.importSchema(JSON.parse(version.content), {});
      form.setProperty('readOnly', true);
    }
    document.body.dataset.editorReady = 'true';
  }
  
  const restore = document.getElementById('restore-button');
  if (restore) {
    restore.addEventListener('click', async () => {
      if (!window.confirm(data.messages.restoreConfirm)) return;
      try {
        await api(data.restoreUrl, { method: 'POST', body: {} });
        window.location.href = data.editorUrl;
      } catch (err) {
        document.getElementById('save-status').textContent = err.message;
      }
    });
  }
  run().catch((err) => container.append(el('p', { className: 'error' }, err.message)));
  
}

/** DMN and forms: no canvas markers, the changes listed per element (decision, rule, field...). */
function listOnly(body, m) {
  document.querySelector('.diff-layout').hidden = true;
  const list = document.getElementById('diff-list');
  const props = body.properties;
  const rows = [
    ...props.added.map((id) => ({ id, kinds: ['added'], props: [] })),
    ...props.removed.map((id) => ({ id, kinds: ['removed'], props: [] })),
    ...Object.entries(props.changed).map(([id, c]) => ({ id, kinds: ['changed'], props: c.changes, name: c.name })),
  ];
  if (!rows.length) list.append(el('p', { className: 'muted' }, m.noChanges));
  for (const r of rows) {
    list.append(el('div', { className: 'diff-row', dataset: { elementId: r.id, kinds: r.kinds.join(' ') } },
      el('div', {}, ...r.kinds.map((k) => el('span', { className: `legend ${k}` }, m[k] || k)), ' ', el('strong', {}, r.name ? `${r.name} (${r.id})` : r.id)),
      r.props.length ? el('table', { className: 'table diff-props' },
        el('thead', {}, el('tr', {}, el('th', {}, m.property), el('th', {}, m.old), el('th', {}, m.new_value))),
        el('tbody', {}, ...r.props.map((p) => el('tr', {}, el('td', {}, p.property), el('td', { className: 'old' }, p.old ?? '—'), el('td', { className: 'new' }, p.new ?? '—'))))) : null));
  }
  document.body.dataset.diffReady = 'true';
}

function diffPage(data) {
  const viewer = (container) => new NavigatedViewer({
    container, additionalModules: [DiffMarkersModule], moddleExtensions: { zeebe: zeebeModdle },
  });
  const left = viewer('#diff-left');
  const right = viewer('#diff-right');
  window.diffViewers = { left, right };
  
  async function run() {
    const m = data.messages;
    const body = await api(data.diffUrl);
    if (body.kind !== 'bpmn') return listOnly(body, m);
    await left.importXML(body.a.content);
    await right.importXML(body.b.content);
    left.get('canvas').zoom('fit-viewport');
    right.get('canvas').viewbox(left.get('canvas').viewbox());
    left.get('diffMarkers').syncWith(right);
  
    const changes = diff(left.getDefinitions(), right.getDefinitions());
    const rows = new Map();
    const row = (id) => {
      if (!rows.has(id)) rows.set(id, { id, kinds: new Set(), props: [] });
      return rows.get(id);
    };
    for (const id of Object.keys(changes._removed)) {
      left.get('diffMarkers').mark(id, 'removed');
      row(id).kinds.add('removed');
    }
    for (const id of Object.keys(changes._added)) {
      right.get('diffMarkers').mark(id, 'added');
      row(id).kinds.add('added');
    }
    for (const id of Object.keys(changes._layoutChanged)) {
      left.get('diffMarkers').mark(id, 'moved');
      right.get('diffMarkers').mark(id, 'moved');
      row(id).kinds.add('moved');
    }
    // bpmn-js-differ sees a zeebe-only change with empty attrs; the server lists the actual properties.
    const serverChanged = (body.properties && body.properties.changed) || {};
    for (const id of new Set([...Object.keys(changes._changed), ...Object.keys(serverChanged)])) {
      left.get('diffMarkers').mark(id, 'changed');
      right.get('diffMarkers').mark(id, 'changed');
      const r = row(id);
      r.kinds.add('changed');
      if (serverChanged[id]) r.props = serverChanged[id].changes;
    }
  
    const list = document.getElementById('diff-list');
    if (!rows.size) {
      list.append(el('p', { className: 'muted' }, m.noChanges));
    document.body.dataset.diffReady = 'true';
      return;
    }
    const nameOf = (id) => {
      const element = right.get('elementRegistry').get(id) || left.get('elementRegistry').get(id);
      return element && element.businessObject.name ? `${element.businessObject.name} (${id})` : id;
    };
    for (const r of rows.values()) {
      const kinds = [...r.kinds];
      list.append(el('div', { className: 'diff-row', dataset: { elementId: r.id, kinds: kinds.join(' ') } },
        el('div', {}, ...kinds.map((k) => el('span', { className: `legend ${k}` }, m[k] || k)), ' ', el('strong', {}, nameOf(r.id))),
        r.props.length ? el('table', { className: 'table diff-props' },
          el('thead', {}, el('tr', {}, el('th', {}, m.property), el('th', {}, m.old), el('th', {}, m.new_value))),
          el('tbody', {}, ...r.props.map((p) => el('tr', {}, el('td', {}, p.property), el('td', { className: 'old' }, p.old ?? '—'), el('td', { className: 'new' }, p.new ?? '—'))))) : null));
    }
    document.body.dataset.diffReady = 'true';
  }
  
  run().catch((err) => {
    document.getElementById('diff-list').append(el('p', { className: 'error' }, err.message));
  });
  
}

const style = document.createElement('style');
style.textContent = [diagramCss, bpmnCss, modelerCss].join('\n');
document.head.append(style);

const versionData = document.getElementById('viewer-data');
const diffData = document.getElementById('diff-data');
if (versionData) versionPage(JSON.parse(versionData.textContent));
if (diffData) diffPage(JSON.parse(diffData.textContent));
