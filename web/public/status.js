/* global window, document, location, fetch, URL, URLSearchParams, FormData, CSS, DOMParser, EventSource */
// The status page's live layer: progress over Server-Sent Events, seeking timestamps, highlighting the segment being played,
// ticking todos, naming speakers and showing times in the viewer's own zone.
// The server renders every state completely; this script only keeps an open page current.
(function () {
  'use strict';
  var page = document.getElementById('page');
  if (!page || !page.dataset.session) return;
  var sessionId = page.dataset.session;
  var query = '?t=' + encodeURIComponent(page.dataset.token);
  var stages = JSON.parse(page.dataset.stages || '{}');
  var status = page.dataset.status;
  var FINAL = { COMPLETED: true, FAILED: true, CANCELLED: true };

  function api(path) {
    return new URL('../api/' + path + query, location.href).toString();
  }

  // The server writes times in UTC; show them in the viewer's own language and time zone.
  var localTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
  document.querySelectorAll('time[datetime]').forEach(function (time) {
    time.textContent = localTime.format(new Date(time.dateTime));
  });

  var announcer = document.createElement('p');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('role', 'status');
  document.body.appendChild(announcer);
  function announce(text) {
    announcer.textContent = text;
  }

  // Timestamps seek the player instead of opening the recording.
  document.addEventListener('click', function (e) {
    var link = e.target.closest && e.target.closest('a[data-seek]');
    var player = document.getElementById('player');
    if (!link || !player) return;
    e.preventDefault();
    player.currentTime = Number(link.dataset.seek);
    var playing = player.play();
    if (playing && playing.catch) playing.catch(function () {});
  });

  // The segment being played is highlighted. Media events do not bubble, so listen in the capture phase:
  // that also covers a player the outcome brings in later.
  var playing = null;
  document.addEventListener(
    'timeupdate',
    function (e) {
      if (e.target.id !== 'player') return;
      var time = e.target.currentTime;
      var segments = document.querySelectorAll('.segment[data-start]');
      var next = null;
      for (var i = 0; i < segments.length && !next; i++) {
        if (Number(segments[i].dataset.start) <= time && time < Number(segments[i].dataset.end)) next = segments[i];
      }
      if (next === playing) return;
      if (playing) {
        playing.classList.remove('playing');
        playing.removeAttribute('aria-current');
      }
      if (next) {
        next.classList.add('playing');
        next.setAttribute('aria-current', 'time');
      }
      playing = next;
    },
    true,
  );

  // Ticks are saved one todo at a time; the answer (or a live event) sets the box.
  document.addEventListener('submit', function (e) {
    if (e.target.id === 'todo-form') e.preventDefault();
    if (e.target.classList && e.target.classList.contains('speaker-form')) {
      e.preventDefault();
      saveSpeakerName(e.target);
    }
  });

  // A speaker's name is posted as the form would be, without leaving the page; the live event (or a
  // resync) renames the speaker everywhere on it. A refusal is said in the page's own words.
  function saveSpeakerName(form) {
    var button = form.querySelector('button');
    button.disabled = true;
    fetch(form.action, { method: 'POST', body: new URLSearchParams(new FormData(form)), redirect: 'manual' })
      .then(function (r) {
        if (r.type === 'opaqueredirect' || r.ok) return resync();
        return r.text().then(function (text) {
          var sentence = new DOMParser().parseFromString(text, 'text/html').querySelector('.card p');
          announce(sentence ? sentence.textContent : 'That name was not saved; please try again.');
        });
      })
      .catch(function () {
        announce('That name was not saved; please try again.');
      })
      .then(function () {
        button.disabled = false;
      });
  }

  // Every place a speaker is shown carries its label: the given name, or "Speaker n" when it has none.
  function applySpeakerNames(names) {
    document.querySelectorAll('[data-speaker]').forEach(function (el) {
      var label = el.dataset.speaker;
      el.textContent = Object.prototype.hasOwnProperty.call(names, label) ? names[label] : el.dataset.unnamed;
    });
    document.querySelectorAll('.speaker-form input').forEach(function (input) {
      if (input !== document.activeElement) input.value = Object.prototype.hasOwnProperty.call(names, input.name) ? names[input.name] : '';
    });
  }
  // A box being saved ignores clicks; it stays focusable (a disabled one would drop the keyboard's focus).
  document.addEventListener('click', function (e) {
    if (e.target.matches && e.target.matches('.todo input[aria-disabled="true"]')) e.preventDefault();
  });
  document.addEventListener('change', function (e) {
    var box = e.target;
    if (!box.matches || !box.matches('.todo input[type="checkbox"]')) return;
    var wanted = box.checked;
    box.setAttribute('aria-disabled', 'true');
    fetch(api('sessions/' + sessionId + '/todos/' + encodeURIComponent(box.value)), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ completed: wanted }),
    })
      .then(function (r) {
        if (!r.ok) throw new Error('HTTP ' + r.status);
        return r.json();
      })
      .then(function (body) {
        applyTodo(body.todo.id, body.todo.completed, body.todo.completed_by);
      })
      .catch(function () {
        box.checked = !wanted;
        announce('That tick was not saved; please try again.');
      })
      .then(function () {
        box.removeAttribute('aria-disabled');
      });
  });

  function applyTodo(todoId, completed, by) {
    var item = document.querySelector('.todo[data-todo="' + CSS.escape(todoId) + '"]');
    if (!item) return;
    var box = item.querySelector('input[type="checkbox"]');
    box.checked = completed;
    item.classList.toggle('done', completed);
    var doneBy = item.querySelector('.done-by');
    if (doneBy) doneBy.textContent = completed ? (by ? ' · ticked by ' + by : ' · ticked') : '';
    var all = document.querySelectorAll('.todo input[type="checkbox"]');
    var done = document.querySelectorAll('.todo input[type="checkbox"]:checked');
    var count = document.getElementById('todos-count');
    if (count) count.textContent = done.length + ' of ' + all.length + ' done';
  }
  document.querySelectorAll('.todo input[type="checkbox"]:checked').forEach(function (box) {
    box.closest('.todo').classList.add('done');
  });

  function formatEta(seconds) {
    if (seconds === null || seconds === undefined) return '';
    if (seconds < 60) return ' · less than a minute left';
    var minutes = Math.round(seconds / 60);
    return minutes < 60 ? ' · about ' + minutes + ' min left' : ' · about ' + Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min left';
  }

  function showProgress(e) {
    var bar = document.getElementById('progress-bar');
    if (!bar) return;
    bar.value = e.percent;
    bar.textContent = e.percent + '%';
    document.getElementById('progress-stage').textContent = stages[e.stage] || e.stage;
    document.getElementById('progress-percent').textContent = e.percent + '%';
    document.getElementById('progress-eta').textContent = formatEta(e.etaSeconds);
    document.getElementById('progress-message').textContent = e.message;
  }

  // The outcome is rendered by the server: fetch this page again and swap in what changed.
  function showOutcome(done) {
    return fetch(location.href, { cache: 'no-store' })
      .then(function (r) {
        return r.text();
      })
      .then(function (text) {
        var next = new DOMParser().parseFromString(text, 'text/html');
        var state = next.getElementById('state');
        if (state) document.getElementById('state').innerHTML = state.innerHTML;
        var media = next.getElementById('media');
        if (media && !document.getElementById('media')) document.getElementById('state').before(document.importNode(media, true));
        document.querySelectorAll('.todo input[type="checkbox"]:checked').forEach(function (box) {
          box.closest('.todo').classList.add('done');
        });
        page.dataset.status = status;
        announce(done || (status === 'COMPLETED' ? 'Done: the summary, todos and transcript are ready.' : 'Processing stopped.'));
      });
  }

  function onProgress(e) {
    if (!FINAL[e.status]) {
      if (!FINAL[status]) return showProgress(e);
      // Reopened (the notes being rewritten): the server renders the progress section, live from then on.
      status = e.status;
      return showOutcome('Working on it again.');
    }
    var changed = e.status !== status;
    status = e.status;
    if (status !== 'COMPLETED') source.close(); // the server closes too; this stops the reconnect
    if (changed) showOutcome();
  }

  // After a reconnect, catch up on ticks made while the stream was down.
  function resync() {
    fetch(api('sessions/' + sessionId), { cache: 'no-store' })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (body) {
        if (!body) return;
        onProgress(body.progress);
        (body.todos ? body.todos.todos : []).forEach(function (t) {
          applyTodo(t.id, t.completed, t.completed_by);
        });
        applySpeakerNames(body.speakers || {});
      });
  }

  if (FINAL[status] && status !== 'COMPLETED') return;
  if (!window.EventSource) return;
  var source = new EventSource(api('progress/' + sessionId) + '&follow=todos');
  var opened = false;
  source.addEventListener('open', function () {
    if (opened) resync();
    opened = true;
  });
  source.addEventListener('progress', function (m) {
    onProgress(JSON.parse(m.data));
  });
  source.addEventListener('todo', function (m) {
    var e = JSON.parse(m.data);
    if (e.kind === 'speakers') applySpeakerNames(e.names);
    // New notes: the server renders them (and the list of versions), as it renders an outcome.
    else if (e.kind === 'notes') showOutcome('New notes: version ' + e.version + ' of the summary and todos.');
    else applyTodo(e.todoId, e.completed, e.by);
  });
})();
