// Pick a user task's linked form (zeebe:FormDefinition formId), a business rule task's called decision
// (zeebe:CalledDecision decisionId) or a call activity's process (zeebe:CalledElement processId) from the
// project's files. Writes go through modeling, so undo works.
import { is, getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

export default function LinkPicker(eventBus, modeling, bpmnFactory, config) {
  this._modeling = modeling;
  this._bpmnFactory = bpmnFactory;
  this._config = config || {};
  this._items = null;
  eventBus.on(['selection.changed', 'elements.changed'], () => this._renderSoon(eventBus));
  this._eventBus = eventBus;
  this._current = null;
  eventBus.on('selection.changed', ({ newSelection }) => {
    this._current = newSelection.length === 1 ? newSelection[0] : null;
  });
}

LinkPicker.$inject = ['eventBus', 'modeling', 'bpmnFactory', 'config.linkPicker'];

LinkPicker.prototype._renderSoon = function() {
  clearTimeout(this._timer);
  this._timer = setTimeout(() => this.render(), 0);
};

LinkPicker.prototype.loadItems = async function(force = false) {
  if (!this._items || force) this._items = await this._config.loadItems();
  return this._items;
};

function extensionValue(bo, type) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values').find((v) => is(v, type)) : undefined;
}

/** Set a property on the zeebe extension element `type` of `element`, creating it if needed. */
LinkPicker.prototype._setExtension = function(element, type, properties) {
  const bo = getBusinessObject(element);
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = this._bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    this._modeling.updateProperties(element, { extensionElements: ext });
  }
  const existing = ext.get('values').find((v) => is(v, type));
  if (existing) {
    this._modeling.updateModdleProperties(element, existing, properties);
    return;
  }
  const created = this._bpmnFactory.create(type, properties);
  created.$parent = ext;
  this._modeling.updateModdleProperties(element, ext, { values: [...ext.get('values'), created] });
};

LinkPicker.prototype.link = function(element, item) {
  if (is(element, 'bpmn:UserTask')) {
    // A linked form replaces an embedded one.
    const bo = getBusinessObject(element);
    const ext = bo.get('extensionElements');
    const embedded = ext && ext.get('values').filter((v) => is(v, 'zeebe:UserTaskForm'));
    if (embedded && embedded.length) {
      this._modeling.updateModdleProperties(element, ext, { values: ext.get('values').filter((v) => !embedded.includes(v)) });
    }
    this._setExtension(element, 'zeebe:FormDefinition', { formId: item.id, formKey: undefined, externalReference: undefined });
  } else if (is(element, 'bpmn:CallActivity')) {
    this._setExtension(element, 'zeebe:CalledElement', { processId: item.id, propagateAllChildVariables: false });
  } else if (is(element, 'bpmn:BusinessRuleTask')) {
    const current = extensionValue(getBusinessObject(element), 'zeebe:CalledDecision');
    this._setExtension(element, 'zeebe:CalledDecision', {
      decisionId: item.id,
      resultVariable: (current && current.get('resultVariable')) || 'decisionResult',
    });
  }
};

LinkPicker.prototype.render = async function() {
  const container = this._config.container && document.querySelector(this._config.container);
  if (!container) return;
  const element = this._current;
  const isUserTask = element && is(element, 'bpmn:UserTask');
  const isRuleTask = element && is(element, 'bpmn:BusinessRuleTask');
  const isCall = element && is(element, 'bpmn:CallActivity');
  const host = container.querySelector('.link-picker-links') || container.appendChild(Object.assign(document.createElement('div'), { className: 'link-picker-links' }));
  if (!isUserTask && !isRuleTask && !isCall) {
    host.replaceChildren();
    container.hidden = !container.querySelector('.template-picker:not(:empty)');
    return;
  }
  const messages = this._config.messages || {};
  const kind = isUserTask ? 'form' : isCall ? 'process' : 'decision';
  const items = (await this.loadItems()).filter((i) => i.kind === kind);
  if (this._current !== element) return;
  const bo = getBusinessObject(element);
  const current = isUserTask
    ? (extensionValue(bo, 'zeebe:FormDefinition') || {}).formId
    : isCall
      ? (extensionValue(bo, 'zeebe:CalledElement') || {}).processId
      : (extensionValue(bo, 'zeebe:CalledDecision') || {}).decisionId;
  const label = document.createElement('label');
  label.htmlFor = 'link-picker-select';
  label.textContent = isUserTask ? messages.linkForm : isCall ? messages.linkProcess : messages.linkDecision;
  const select = document.createElement('select');
  select.id = 'link-picker-select';
  select.dataset.testid = 'link-picker';
  select.append(new Option(messages.choose || '…', ''));
  for (const item of items) {
    const option = new Option(`${item.name} (${item.id})`, item.id);
    option.selected = item.id === current;
    select.append(option);
  }
  if (current && !items.some((i) => i.id === current)) {
    const option = new Option(current, current);
    option.selected = true;
    select.append(option);
  }
  select.addEventListener('focus', () => this.loadItems(true), { once: true });
  select.addEventListener('change', () => {
    const item = items.find((i) => i.id === select.value);
    if (item) this.link(element, item);
  });
  host.replaceChildren(label, select);
  container.hidden = false;
};
