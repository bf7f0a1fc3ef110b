// The problems panel: Camunda 8 lint rules (@camunda/linting) on every change, plus the engine's own
// deploy validation from the server; a click on a problem selects the element.
import { Linter } from '@camunda/linting';

const LINT_DELAY = 300;
const SERVER_DELAY = 1200;

export default function ProblemsPanel(eventBus, bpmnjs, canvas, elementRegistry, selection, injector, config) {
  this._bpmnjs = bpmnjs;
  this._canvas = canvas;
  this._elementRegistry = elementRegistry;
  this._selection = selection;
  this._injector = injector;
  this._config = config || {};
  this._linter = new Linter({ modeler: 'web', type: 'cloud' });
  this._lintReports = [];
  this._serverReports = [];
  this._lintTimer = null;
  this._serverTimer = null;
  this._generation = 0;

  eventBus.on(['import.done', 'commandStack.changed'], () => this.schedule());
}

ProblemsPanel.$inject = ['eventBus', 'bpmnjs', 'canvas', 'elementRegistry', 'selection', 'injector', 'config.problems'];

ProblemsPanel.prototype.schedule = function() {
  clearTimeout(this._lintTimer);
  clearTimeout(this._serverTimer);
  this._lintTimer = setTimeout(() => this.lint(), LINT_DELAY);
  if (this._config.validate) this._serverTimer = setTimeout(() => this.validateOnServer(), SERVER_DELAY);
};

ProblemsPanel.prototype.lint = async function() {
  const generation = ++this._generation;
  const definitions = this._bpmnjs.getDefinitions();
  if (!definitions) return;
  const reports = await this._linter.lint(definitions);
  if (generation !== this._generation) return; // a newer change is being linted
  this._lintReports = reports.map((r) => ({
    id: r.id, message: r.message, severity: r.category === 'error' ? 'error' : 'warning', source: 'lint', report: r,
  }));
  const linting = this._injector.get('linting', false);
  if (linting) {
    linting.setErrors(reports);
    linting.activate();
  }
  this._render();
};

ProblemsPanel.prototype.validateOnServer = async function() {
  try {
    const { xml } = await this._bpmnjs.saveXML();
    const problems = await this._config.validate(xml);
    this._serverReports = problems.map((p) => ({ id: p.elementId, message: p.message, severity: p.severity || 'error', source: 'server' }));
  } catch (err) {
    this._serverReports = [{ id: '', message: err.message, severity: 'error', source: 'server' }];
  }
  this._render();
};

ProblemsPanel.prototype.getProblems = function() {
  return [...this._lintReports, ...this._serverReports];
};

ProblemsPanel.prototype.getErrors = function() {
  return this.getProblems().filter((p) => p.severity === 'error');
};

/** Lint and validate now (not debounced), e.g. before a deploy. */
ProblemsPanel.prototype.refreshNow = async function() {
  clearTimeout(this._lintTimer);
  clearTimeout(this._serverTimer);
  await Promise.all([this.lint(), this._config.validate ? this.validateOnServer() : null]);
  return this.getErrors();
};

ProblemsPanel.prototype.select = function(problem) {
  const linting = this._injector.get('linting', false);
  if (problem.report && linting) return linting.showError(problem.report);
  const element = problem.id && this._elementRegistry.get(problem.id);
  if (!element) return;
  if (element !== this._canvas.getRootElement()) {
    this._canvas.scrollToElement(element);
    this._selection.select(element);
  }
};

ProblemsPanel.prototype._render = function() {
  const list = this._config.list && document.querySelector(this._config.list);
  const count = this._config.count && document.querySelector(this._config.count);
  if (!list) return;
  const problems = this.getProblems();
  const messages = this._config.messages || {};
  if (count) {
    count.textContent = String(problems.length);
    count.classList.toggle('has-errors', problems.some((p) => p.severity === 'error'));
  }
  list.replaceChildren();
  if (!problems.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = messages.noProblems || 'No problems';
    list.append(li);
    return;
  }
  for (const problem of problems) {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `problem problem-${problem.severity}`;
    button.dataset.elementId = problem.id || '';
    const element = problem.id && this._elementRegistry.get(problem.id);
    const name = element && element.businessObject && element.businessObject.name;
    const kind = problem.severity === 'error' ? messages.error : messages.warning;
    const source = problem.source === 'server' ? ` [${messages.server || 'engine'}]` : '';
    button.textContent = `${kind}${source} · ${name || problem.id || ''}: ${problem.message}`;
    button.addEventListener('click', () => this.select(problem));
    li.append(button);
    list.append(li);
  }
};
