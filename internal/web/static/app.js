// Statusphere's progressive enhancement: posting a status without a page
// reload. Without JavaScript the status buttons submit a plain form.
(function () {
  'use strict';

  // Login and sign-up: the button says it is working and cannot be pressed
  // twice while the app looks the account up. (A page restored from the
  // back/forward cache gets its buttons back.)
  document.querySelectorAll('form.busy-form').forEach((f) => {
    f.addEventListener('submit', () => {
      const btn = f.querySelector('button[type="submit"]');
      if (!btn) return;
      btn.dataset.idle = btn.textContent;
      btn.textContent = btn.dataset.busy || 'Working…';
      btn.disabled = true;
      btn.setAttribute('aria-busy', 'true');
    });
  });
  window.addEventListener('pageshow', () => {
    document.querySelectorAll('form.busy-form button[aria-busy="true"]').forEach((btn) => {
      btn.textContent = btn.dataset.idle || btn.textContent;
      btn.disabled = false;
      btn.removeAttribute('aria-busy');
    });
  });

  // Relative times ("5m") stay true while the page is open.
  function ago(iso) {
    const t = Date.parse(iso);
    if (isNaN(t)) return '';
    const s = Math.max(0, (Date.now() - t) / 1000);
    if (s < 60) return 'now';
    if (s < 3600) return Math.floor(s / 60) + 'm';
    if (s < 86400) return Math.floor(s / 3600) + 'h';
    if (s < 7 * 86400) return Math.floor(s / 86400) + 'd';
    return null; // older: the server's date stays
  }
  setInterval(() => {
    document.querySelectorAll('#timeline time[datetime]').forEach((el) => {
      const label = ago(el.getAttribute('datetime'));
      if (label) el.textContent = label;
    });
  }, 30000);

  const form = document.getElementById('status-options');
  if (!form) return;

  // Enter in the note field must not post the first emoji: the note is
  // sent with the emoji the user clicks.
  const noteField = document.getElementById('note');
  if (noteField) {
    noteField.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') ev.preventDefault(); });
  }

  form.addEventListener('click', async (ev) => {
    const btn = ev.target.closest('button.status-option');
    if (!btn || btn.disabled) return;
    ev.preventDefault();
    const noteInput = document.getElementById('note');
    const post = { status: btn.value };
    if (noteInput && noteInput.value.trim() !== '') post.note = noteInput.value;
    try {
      const res = await fetch('/status', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Accept': 'application/json' },
        body: JSON.stringify(post),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) {
        showError(body.error || ('Could not set your status (HTTP ' + res.status + ').'));
        return;
      }
      form.querySelectorAll('.selected').forEach((el) => {
        el.classList.remove('selected');
        el.setAttribute('aria-pressed', 'false');
      });
      btn.classList.add('selected');
      btn.setAttribute('aria-pressed', 'true');
      if (noteInput) noteInput.value = '';
      addStatus(body);
    } catch (err) {
      showError('Could not reach the server: ' + err.message);
    }
  });

  // addStatus puts a status at the top of the timeline, once per URI: a
  // line already on the page (server-rendered, or added by this page's own
  // post) with the same record and status is left as it is; a changed
  // record replaces its line.
  function addStatus(s) {
    const timeline = document.getElementById('timeline');
    if (!timeline || !s.uri) return;
    const old = timeline.querySelector('[data-uri="' + CSS.escape(s.uri) + '"]');
    if (old) {
      const shown = old.querySelector('.status');
      const shownNote = old.querySelector('.note');
      if (shown && shown.textContent === s.status && (shownNote ? shownNote.textContent : '') === (s.note || '')) return;
      old.remove();
    }
    const empty = document.getElementById('timeline-empty');
    if (empty) empty.remove();
    const line = document.createElement('div');
    line.className = 'status-line';
    line.dataset.uri = s.uri;
    const left = document.createElement('div');
    const emoji = document.createElement('div');
    emoji.className = 'status';
    emoji.setAttribute('aria-hidden', 'true');
    emoji.textContent = s.status;
    left.appendChild(emoji);
    const desc = document.createElement('div');
    desc.className = 'desc';
    const a = document.createElement('a');
    a.className = 'author';
    a.href = s.profileUrl;
    a.textContent = '@' + s.author;
    desc.appendChild(a);
    desc.appendChild(document.createTextNode(s.today === false ? ' was feeling ' + s.status + ' on ' + s.date + ' ' : ' is feeling ' + s.status + ' today '));
    if (s.createdAt) {
      const time = document.createElement('time');
      time.setAttribute('datetime', s.createdAt);
      time.title = s.createdAt;
      time.textContent = ago(s.createdAt) || s.ago || s.date;
      desc.appendChild(time);
    }
    if (s.note) {
      const note = document.createElement('div');
      note.className = 'note';
      note.textContent = s.note;
      desc.appendChild(note);
    }
    line.appendChild(left);
    line.appendChild(desc);
    timeline.prepend(line);
  }

  // The live timeline: new statuses from anyone, without a reload.
  if (window.EventSource) {
    const events = new EventSource('/events');
    events.addEventListener('status', (ev) => {
      try { addStatus(JSON.parse(ev.data)); } catch (err) { /* a bad event is skipped */ }
    });
    // A status deleted, or whose account was hidden, leaves the timeline.
    events.addEventListener('delete', (ev) => {
      try {
        const uri = JSON.parse(ev.data).uri;
        const line = uri && document.querySelector('#timeline [data-uri="' + CSS.escape(uri) + '"]');
        if (line) line.remove();
      } catch (err) { /* a bad event is skipped */ }
    });
  }

  function showError(msg) {
    let box = document.querySelector('.error');
    if (!box) {
      box = document.createElement('div');
      box.className = 'error';
      box.setAttribute('role', 'alert');
      document.querySelector('.container').prepend(box);
    }
    box.textContent = msg;
  }
})();
