// form-js styles for the read-only version page, injected when a form version is opened.
import form from '@bpmn-io/form-js/dist/assets/form-js.css?inline';

export function inject() {
  const style = document.createElement('style');
  style.textContent = form;
  document.head.append(style);
}
