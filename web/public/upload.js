/* global window, document, location, DOMParser, FormData, XMLHttpRequest, URL, fetch */
// The upload page's live layer: drop a file anywhere, watch it upload, read a refusal in place, and the
// meetings uploaded from this browser with where each stands, and a search over what they said.
// Without it the page is a plain multipart form that does the same, minus the progress bar, the list and the search.
(function () {
  'use strict';
  var STATUS_WORDS = { UPLOADING: 'uploading', PROCESSING: 'processing', COMPLETED: 'done', FAILED: 'failed', CANCELLED: 'cancelled' };
  var kept = keptMeetings();
  listMeetings(kept);
  searchMeetings(kept);
  var form = document.getElementById('upload-form');
  if (!form || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) return;
  var input = document.getElementById('file');
  var zone = document.getElementById('drop-zone');
  var bar = document.getElementById('upload-progress');
  var status = document.getElementById('upload-status');
  var errorBox = document.getElementById('upload-error');
  var errorText = document.getElementById('upload-error-text');
  var buttons = document.querySelectorAll('button[type="submit"]');
  var maxBytes = Number(form.dataset.maxBytes);
  var busy = false;

  function setBusy(on) {
    busy = on;
    form.classList.toggle('busy', on);
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = on;
  }

  function showError(message) {
    errorText.textContent = message;
    errorBox.hidden = false;
    status.textContent = '';
    bar.hidden = true;
    setBusy(false);
    errorBox.scrollIntoView({ block: 'nearest' });
  }

  // The server answers a refusal with this page again, the sentence in #upload-error-text.
  function refusalIn(responseText) {
    var page = new DOMParser().parseFromString(responseText || '', 'text/html');
    var text = page.getElementById('upload-error-text');
    return (text && text.textContent.trim()) || 'The upload failed. Please try again.';
  }

  function upload(file) {
    if (busy) return;
    if (!file) {
      showError('Choose a recording to upload, or paste a link to one.');
      return;
    }
    if (file.size > maxBytes) {
      showError('This file is larger than ' + form.dataset.maxLabel + '. Trim or compress the recording and try again.');
      return;
    }
    errorBox.hidden = true;
    setBusy(true);
    bar.hidden = false;
    bar.value = 0;
    status.textContent = 'Uploading ' + file.name + '…';
    var data = new FormData();
    data.append('file', file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      bar.value = Math.floor((e.loaded / e.total) * 100);
      status.textContent = 'Uploading ' + file.name + ': ' + bar.value + '%';
    });
    xhr.upload.addEventListener('load', function () {
      bar.value = 100;
      status.textContent = 'Checking the recording…';
    });
    xhr.addEventListener('load', function () {
      // Accepted: the answer was a redirect to the recording's status page, which XHR followed.
      if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== form.action) {
        // XHR drops the redirect's fragment: #uploaded tells the page to keep the meeting in this browser's list.
        location.assign(xhr.responseURL + '#uploaded');
        return;
      }
      showError(refusalIn(xhr.responseText));
    });
    xhr.addEventListener('error', function () {
      showError('The connection broke during the upload. Please try again.');
    });
    xhr.send(data);
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    upload(input.files[0]);
  });
  input.addEventListener('change', function () {
    if (input.files[0]) upload(input.files[0]);
  });

  // The whole page takes a dropped file, so a near miss never opens the file in the tab instead.
  function dragging(e) {
    if (!e.dataTransfer || Array.prototype.indexOf.call(e.dataTransfer.types, 'Files') < 0) return;
    e.preventDefault();
    zone.classList.add('over');
  }
  document.addEventListener('dragenter', dragging);
  document.addEventListener('dragover', dragging);
  document.addEventListener('dragleave', function (e) {
    if (e.relatedTarget === null) zone.classList.remove('over');
  });
  document.addEventListener('drop', function (e) {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    e.preventDefault();
    zone.classList.remove('over');
    upload(e.dataTransfer.files[0]);
  });

  // A link is fetched by the server; the button only shows that it is on its way.
  var linkForm = document.getElementById('link-form');
  linkForm.addEventListener('submit', function () {
    errorBox.hidden = true;
    setBusy(true);
    status.textContent = 'Fetching the link…';
  });
  // Back from a status page, the form is usable again.
  window.addEventListener('pageshow', function () {
    setBusy(false);
  });

  // The meetings the status pages kept in this browser (status.js), newest first: `{id, page}`.
  // Their links are the keys: they stay in this browser, never on the server under an account.
  function keptMeetings() {
    try {
      var kept = JSON.parse(window.localStorage.getItem('whisper-notes.meetings') || '[]');
      return Array.isArray(kept) ? kept : [];
    } catch {
      return []; // storage refused (private mode) or unreadable: none
    }
  }

  // Each kept meeting with its status read live.
  function listMeetings(kept) {
    var section = document.getElementById('my-meetings');
    var list = document.getElementById('my-meetings-list');
    if (!section || kept.length === 0) return;
    section.hidden = false;
    kept.forEach(function (meeting) {
      var item = document.createElement('li');
      var link = document.createElement('a');
      var state = document.createElement('span');
      link.href = meeting.page;
      link.textContent = 'Meeting';
      state.className = 'details';
      item.appendChild(link);
      item.appendChild(document.createTextNode(' '));
      item.appendChild(state);
      list.appendChild(item);
      var api = new URL(meeting.page);
      api.pathname = api.pathname.replace(/\/s\/([^/]+)$/, '/api/sessions/$1');
      fetch(api.toString())
        .then(function (r) {
          if (r.status === 404) return { gone: true };
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.json();
        })
        .then(function (json) {
          if (json.gone) {
            state.textContent = 'deleted';
            link.removeAttribute('href');
            return;
          }
          link.textContent = json.title;
          state.textContent = STATUS_WORDS[json.session.status] || json.session.status;
          state.dataset.status = json.session.status;
        })
        .catch(function () {
          state.textContent = 'status unavailable';
        });
    });
  }

  // Searches the kept meetings only: each goes with its link's token, which the server checks (a POST body,
  // so no token lands in an address or a log). Each hit links to its page at the moment it was said.
  function searchMeetings(kept) {
    var section = document.getElementById('meeting-search');
    var form = document.getElementById('search-form');
    if (!section || !form || !window.fetch || kept.length === 0) return;
    var input = document.getElementById('search-query');
    var status = document.getElementById('search-status');
    var list = document.getElementById('search-hits');
    var meetings = kept.map(function (meeting) {
      var token = '';
      try {
        token = new URL(meeting.page).searchParams.get('t') || '';
      } catch {
        // not a link: the server finds nothing of it
      }
      return { id: String(meeting.id), t: token };
    });
    section.hidden = false;

    function clock(seconds) {
      var s = Math.floor(seconds);
      var pad = function (n) {
        return (n < 10 ? '0' : '') + n;
      };
      return pad(Math.floor(s / 3600)) + ':' + pad(Math.floor(s / 60) % 60) + ':' + pad(s % 60);
    }

    function showHit(hit) {
      var item = document.createElement('li');
      var quote = document.createElement('a');
      var details = document.createElement('p');
      quote.className = 'hit-line';
      quote.href = hit.link;
      quote.textContent = '“' + hit.text + '”';
      details.className = 'details';
      var at = hit.startSeconds === null ? (hit.kind === 'summary' ? 'in the summary' : 'a todo') : clock(hit.startSeconds);
      var parts = [hit.title, new Date(hit.date).toLocaleDateString(), at];
      if (hit.speaker) parts.unshift(hit.speaker);
      details.textContent = parts.join(' · ');
      item.appendChild(quote);
      item.appendChild(details);
      list.appendChild(item);
    }

    var asked = 0; // only the latest search's answer is shown
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var mine = ++asked;
      list.textContent = '';
      status.textContent = 'Searching…';
      fetch('api/search', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: input.value, meetings: meetings }),
      })
        .then(function (r) {
          return r.json().then(function (json) {
            return { ok: r.ok, json: json };
          });
        })
        .then(function (answer) {
          if (mine !== asked) return;
          if (!answer.ok) {
            // Refused (an empty or overlong query): the server's sentence says why.
            status.textContent = (answer.json.error && answer.json.error.message) || 'The search failed. Please try again.';
            return;
          }
          var hits = answer.json.hits;
          status.textContent = hits.length === 0 ? 'No line of your meetings says that.' : hits.length === 1 ? '1 line found.' : hits.length + ' lines found.';
          hits.forEach(showHit);
        })
        .catch(function () {
          if (mine === asked) status.textContent = 'The search failed. Please try again.';
        });
    });
  }
})();
