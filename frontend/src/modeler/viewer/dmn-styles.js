// dmn-js styles for the read-only version page, injected when a DMN version is opened.
import shared from 'dmn-js/dist/assets/dmn-js-shared.css?inline';
import drd from 'dmn-js/dist/assets/dmn-js-drd.css?inline';
import table from 'dmn-js/dist/assets/dmn-js-decision-table.css?inline';
import literal from 'dmn-js/dist/assets/dmn-js-literal-expression.css?inline';
import font from 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css?inline';

export function inject() {
  const style = document.createElement('style');
  style.textContent = [shared, drd, table, literal, font].join('\n');
  document.head.append(style);
}
