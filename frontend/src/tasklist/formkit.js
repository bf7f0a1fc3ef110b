// form-js glue shared by the task page and the start page: create the viewer, upload picked files,
// show the server's field errors next to the fields and in a focusable summary.
import { Form } from '@bpmn-io/form-js-viewer';
import '@bpmn-io/form-js-viewer/dist/assets/form-js.css';

import { getCookie } from '../csrf.js';

export async function createForm(container, schema, data, { readOnly = false } = {}) {
  const form = new Form({ container, properties: { readOnly } });
  await form.importSchema(schema, data || {});
  return form;
}

export async function postJson(url, body, method = 'POST') {
  const response = await fetch(url, {
    method,
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json',
      'X-CSRFToken': getCookie('csrftoken'),
    },
    body: JSON.stringify(body),
  });
  let payload = {};
  try {
    payload = await response.json();
  } catch {
    payload = {};
  }
  return { ok: response.ok, status: response.status, body: payload };
}

// form-js keeps picked files in a registry and puts a `files::…` key in the data; upload them and put
// the server's document ids in their place.
export async function uploadPickedFiles(data, files, uploadUrl) {
  const replacements = new Map();
  for (const [fileKey, list] of files.entries()) {
    const ids = [];
    for (const file of list) {
      const body = new FormData();
      body.append('file', file, file.name);
      const response = await fetch(uploadUrl, {
        method: 'POST',
        headers: { 'X-CSRFToken': getCookie('csrftoken'), Accept: 'application/json' },
        body,
      });
      const payload = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(`${file.name}: ${payload.detail || response.status}`);
      ids.push(payload.documentId);
    }
    replacements.set(fileKey, ids);
  }
  const replace = (value) => {
    if (typeof value === 'string' && replacements.has(value)) return replacements.get(value);
    if (Array.isArray(value)) return value.map(replace);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v)]));
    }
    return value;
  };
  return replace(data);
}

function fieldsByPath(schema) {
  // data path (a.b, list.0.c) → component, mirroring the server's error keys
  const index = new Map();
  const walk = (components, prefix) => {
    for (const component of components || []) {
      const path = component.type === 'group' || component.type === 'dynamiclist' ? component.path : component.key;
      const parts = path ? [...prefix, ...String(path).split('.')] : prefix;
      if (component.type === 'dynamiclist') {
        index.set(parts.join('.'), component);
        // children of list items: keyed by the list path plus a wildcard index
        walk(component.components, [...parts, '*']);
      } else if (component.components) {
        walk(component.components, parts);
      } else if (path) {
        index.set(parts.join('.'), component);
      }
    }
  };
  walk(schema?.components, []);
  return index;
}

export function showErrors(summary, form, schema, fieldErrors, heading) {
  const index = fieldsByPath(schema);
  const formErrors = {};
  const list = document.createElement('ul');
  for (const [path, message] of Object.entries(fieldErrors || {})) {
    const component = index.get(path) || index.get(path.replace(/\.\d+\./g, '.*.'));
    const label = component?.label || path || '';
    const item = document.createElement('li');
    item.textContent = label ? `${label}: ${message}` : message;
    list.append(item);
    if (component?.id) {
      const indexes = [...path.matchAll(/\.(\d+)\./g)].map((m) => m[1]);
      const id = indexes.length ? `${component.id}_${indexes.join('_')}` : component.id;
      formErrors[id] = [message];
    }
  }
  summary.replaceChildren();
  const title = document.createElement('p');
  title.textContent = heading;
  summary.append(title, list);
  summary.hidden = false;
  summary.focus();
  if (form && Object.keys(formErrors).length) {
    // The viewer shows errors from its state next to each field.
    const state = form._getState();
    form._setState({ errors: { ...state.errors, ...formErrors } });
  }
}

export function showMessage(summary, message) {
  summary.replaceChildren();
  const p = document.createElement('p');
  p.textContent = message;
  summary.append(p);
  summary.hidden = false;
  summary.focus();
}
