// Start a process from its start form.
import { createForm, postJson, showErrors, showMessage, uploadPickedFiles } from './formkit.js';

export async function mountStart() {
  const client = JSON.parse(document.getElementById('start-data').textContent);
  const text = JSON.parse(document.getElementById('task-i18n').textContent);
  const summary = document.getElementById('form-errors');
  const status = document.getElementById('start-status');
  const button = document.getElementById('start-button');
  const form = client.schema
    ? await createForm(document.getElementById('form-container'), client.schema, {})
    : null;
  window.tasklistForm = form;
  document.body.dataset.formReady = 'true';

  button.addEventListener('click', async () => {
    summary.hidden = true;
    let data = {};
    if (form) {
      const result = form.submit();
      if (Object.keys(result.errors).length) return;
      try {
        data = await uploadPickedFiles(result.data, result.files, client.uploadUrl);
      } catch (err) {
        showMessage(summary, `${text.failed} ${err.message}`);
        return;
      }
    }
    button.disabled = true;
    status.textContent = text.starting;
    const response = await postJson(client.startUrl, { data });
    button.disabled = false;
    status.textContent = '';
    if (response.ok) {
      window.location.assign(`${response.body.next}?started=${response.body.processInstanceKey}`);
    } else if (response.status === 400 && response.body.fieldErrors) {
      showErrors(summary, form, client.schema, response.body.fieldErrors, text.fix);
    } else {
      showMessage(summary, `${text.failed} ${response.body.detail || response.status}`);
    }
  });
}
