// Apply an element template (e.g. the REST connector) to the selected task from a plain select box.
// The templates themselves are loaded lazily by the element templates loader (see the entry).
import { is } from 'bpmn-js/lib/util/ModelUtil';

export default function TemplatePicker(eventBus, elementTemplates, config) {
  this._elementTemplates = elementTemplates;
  this._config = config || {};
  this._current = null;
  eventBus.on('selection.changed', ({ newSelection }) => {
    this._current = newSelection.length === 1 ? newSelection[0] : null;
    this.render();
  });
  eventBus.on(['elementTemplates.changed', 'elements.changed'], () => this.render());
  // The properties panel's "Select" template button: bring the picker into view.
  eventBus.on('elementTemplates.select', () => {
    const select = document.getElementById('template-picker-select');
    if (select) select.focus();
  });
}

TemplatePicker.$inject = ['eventBus', 'elementTemplates', 'config.templatePicker'];

TemplatePicker.prototype.render = function() {
  const container = this._config.container && document.querySelector(this._config.container);
  if (!container) return;
  const host = container.querySelector('.template-picker') || container.appendChild(Object.assign(document.createElement('div'), { className: 'template-picker' }));
  const element = this._current;
  if (!element || !is(element, 'bpmn:Task')) {
    host.replaceChildren();
    container.hidden = !container.querySelector('.link-picker-links:not(:empty)');
    return;
  }
  const templates = this._elementTemplates.getLatest(element);
  if (!templates.length) {
    host.replaceChildren();
    return;
  }
  const applied = this._elementTemplates.get(element);
  const label = document.createElement('label');
  label.htmlFor = 'template-picker-select';
  label.textContent = (this._config.messages && this._config.messages.template) || 'Template';
  const select = document.createElement('select');
  select.id = 'template-picker-select';
  select.dataset.testid = 'template-picker';
  select.append(new Option('—', ''));
  for (const template of templates) {
    const option = new Option(template.name, template.id);
    option.selected = applied && applied.id === template.id;
    select.append(option);
  }
  select.addEventListener('change', () => {
    const template = templates.find((t) => t.id === select.value);
    if (template) this._elementTemplates.applyTemplate(element, template);
    else if (applied) this._elementTemplates.removeTemplate(element);
  });
  host.replaceChildren(label, select);
  container.hidden = false;
};
