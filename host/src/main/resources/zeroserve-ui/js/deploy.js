// Deploy: upload an .onnx file with a progress bar, as a new function or a new version of one.

import { upload } from './api.js';
import { esc, bytes } from './dom.js';
import { configInputs, readConfig } from './config.js';

export const deployView = {
  title: 'Deploy',
  render(main) {
    main.innerHTML = `<h1>Deploy a model</h1>
      <form id="deploy-form" class="panel" novalidate>
        <div class="form-grid">
          <div><label for="deploy-name">Function name</label>
            <input id="deploy-name" name="name" required spellcheck="false" autocomplete="off"
              aria-describedby="deploy-name-hint">
            <span id="deploy-name-hint" class="hint">an existing name gets a new version</span></div>
          <div><label for="deploy-file">ONNX model</label>
            <input id="deploy-file" name="model" type="file" accept=".onnx" required aria-describedby="deploy-file-hint">
            <span id="deploy-file-hint" class="hint">streamed to the node, checked by ONNX Runtime</span></div>
        </div>
        <h2>Config <span class="hint">(optional: fields left empty take their defaults; any field given replaces the
          function's whole config)</span></h2>
        <div class="form-grid">${configInputs('deploy', null)}</div>
        <div class="actions"><button type="submit" id="deploy-submit">Deploy</button></div>
        <div class="field" id="deploy-progress-box" hidden>
          <label for="deploy-progress">Upload</label>
          <progress id="deploy-progress" max="100" value="0"></progress>
          <span id="deploy-progress-text" class="hint"></span>
        </div>
        <p id="deploy-status" role="status" aria-live="polite"></p>
        <p id="deploy-error" class="error" role="alert"></p>
      </form>`;
    main.querySelector('#deploy-form').addEventListener('submit', e => submit(e));
  },
};

async function submit(event) {
  event.preventDefault();
  const form = event.target;
  const name = form.elements.name.value.trim();
  const file = form.elements.model.files[0];
  const error = form.querySelector('#deploy-error');
  const status = form.querySelector('#deploy-status');
  const progress = form.querySelector('#deploy-progress');
  const progressText = form.querySelector('#deploy-progress-text');
  error.textContent = '';
  status.textContent = '';
  if (!name) { error.textContent = 'Give the function a name.'; form.elements.name.focus(); return; }
  if (!file) { error.textContent = 'Choose an .onnx file.'; form.elements.model.focus(); return; }
  const config = readConfig(form);
  const data = new FormData();
  if (Object.keys(config).length) data.append('config', JSON.stringify(config));
  data.append('model', file, file.name);
  const button = form.querySelector('#deploy-submit');
  button.disabled = true;
  form.querySelector('#deploy-progress-box').hidden = false;
  progress.value = 0;
  progress.dataset.events = '0';
  progressText.textContent = `0 of ${bytes(file.size)}`;
  try {
    const result = await upload('/v1/functions/' + encodeURIComponent(name) + '/versions', data, (sent, total) => {
      progress.max = total;
      progress.value = sent;
      progress.dataset.events = String(Number(progress.dataset.events) + 1);
      progressText.textContent = `${bytes(sent)} of ${bytes(total)} (${Math.round((100 * sent) / total)}%)`;
      if (sent >= total) status.textContent = 'Uploaded; the node is checking the model…';
    });
    status.innerHTML = `<span class="ok">Deployed <a href="#/functions/${encodeURIComponent(result.name)}"
      id="deploy-result-link">${esc(result.name)} v${esc(result.version)}</a></span>
      (${bytes(result.sizeBytes)}, inputs ${result.inputs.map(i => esc(i.name) + ' ' + esc(i.datatype)
        + ' [' + i.shape.join(', ') + ']').join('; ')}).`;
  } catch (e) {
    status.textContent = '';
    error.textContent = (e.status ? e.status + ': ' : '') + e.message;
  } finally {
    button.disabled = false;
  }
}
