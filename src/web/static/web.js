// Kinetic web app: progressive enhancement only. Without this script every page still works.
/* global document, XMLHttpRequest */
'use strict';
(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]')?.getAttribute('content') ?? '';

  // Sign-in: a new athlete starts in the browser's time zone.
  let browserZone = '';
  try { browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? ''; } catch { /* keep empty: UTC */ }
  for (const input of document.querySelectorAll('[data-browser-timezone]')) input.value = browserZone;
  for (const link of document.querySelectorAll('[data-browser-timezone-link]')) {
    if (browserZone) { const u = new URL(link.href); u.searchParams.set('timezone', browserZone); link.href = u.toString(); }
  }

  const FINAL = new Set(['imported', 'duplicate', 'failed']);
  const list = document.querySelector('[data-uploads]');

  function setStatus(li, upload) {
    li.dataset.status = upload.status;
    const text = li.querySelector('[data-status-text]');
    text.textContent = upload.status;
    text.className = 'status ' + upload.status;
    let detail = li.querySelector('.detail');
    const note = upload.error ?? (upload.activityIds && upload.activityIds.length > 0 ? upload.activityIds.length + (upload.activityIds.length === 1 ? ' activity' : ' activities') : '');
    if (note) {
      if (!detail) { detail = document.createElement('span'); detail.className = 'detail'; li.append(' ', detail); }
      detail.textContent = note;
    }
    if (FINAL.has(upload.status)) delete li.dataset.pending;
  }

  async function poll() {
    const pending = list ? [...list.querySelectorAll('li[data-pending]')] : [];
    for (const li of pending) {
      try {
        const res = await fetch('/uploads/' + encodeURIComponent(li.dataset.uploadId), { headers: { accept: 'application/json' }, credentials: 'same-origin' });
        if (res.ok) setStatus(li, await res.json());
      } catch { /* try again next round */ }
    }
    if (list && list.querySelector('li[data-pending]')) setTimeout(poll, 1000);
  }

  function addRow(upload) {
    const li = document.createElement('li');
    li.dataset.uploadId = upload.id;
    li.dataset.status = upload.status;
    li.dataset.pending = '';
    const name = document.createElement('span'); name.className = 'name'; name.textContent = upload.filename;
    const status = document.createElement('span'); status.dataset.statusText = ''; status.className = 'status ' + upload.status; status.textContent = upload.status;
    li.append(name, ' ', status);
    if (upload.status === 'duplicate') { delete li.dataset.pending; if (upload.note) { const d = document.createElement('span'); d.className = 'detail'; d.textContent = upload.note; li.append(' ', d); } }
    list.prepend(li);
  }

  const form = document.querySelector('[data-upload-form]');
  if (form && list) {
    const input = form.querySelector('input[type=file]');
    const drop = form.querySelector('[data-drop]');
    const progress = form.querySelector('[data-progress]');
    drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over'); input.files = e.dataTransfer.files; });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const body = new FormData();
      for (const f of input.files) body.append('file', f, f.name);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('accept', 'application/json');
      xhr.setRequestHeader('x-csrf-token', csrf);
      progress.hidden = false; progress.value = 0;
      xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) progress.value = Math.round((ev.loaded / ev.total) * 100); };
      xhr.onload = () => {
        progress.hidden = true;
        let data = {};
        try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
        const uploads = data.uploads ?? data.error?.details?.uploads ?? [];
        for (const u of uploads) addRow(u);
        if (xhr.status !== 202 && data.error) {
          const p = document.createElement('p'); p.className = 'error'; p.setAttribute('role', 'alert'); p.textContent = data.error.message; form.after(p);
        }
        form.reset();
        poll();
      };
      xhr.onerror = () => { progress.hidden = true; form.submit(); };
      xhr.send(body);
    });
  }
  poll();

  // Settings: the re-analysis a change asked for, "120 of 630 weeks", until it is done.
  const analysis = document.querySelector('[data-analysis-status]');
  async function pollAnalysis() {
    try {
      const res = await fetch(analysis.dataset.url, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
      if (res.ok) {
        const s = await res.json();
        analysis.dataset.analysisStatus = s.status;
        analysis.textContent = s.status === 'reanalysing'
          ? 'Analysis: re-analysing with your new settings \u2014 ' + s.weeksDone + ' of ' + s.weeksTotal + ' weeks done.'
          : s.status === 'failed'
            ? 'Analysis: the re-analysis with your new settings failed \u2014 ' + s.error + '. Saving your settings again starts it over.'
            : 'Analysis: up to date.';
      }
    } catch { /* try again next round */ }
    if (analysis.dataset.analysisStatus === 'reanalysing') setTimeout(pollAnalysis, 2000);
  }
  if (analysis && analysis.dataset.analysisStatus === 'reanalysing') setTimeout(pollAnalysis, 2000);
})();
