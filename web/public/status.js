/* global window, document, location, fetch, URL, URLSearchParams, FormData, CSS, DOMParser, EventSource */
// The status page's live layer: progress over Server-Sent Events, seeking timestamps, highlighting the segment being played,
// ticking and editing todos, naming speakers, following renames and showing times in the viewer's own zone.
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

  // The server writes the recording's time in UTC; show it in the viewer's own language and time zone.
  // (Due dates are days in the meeting's zone, shown as written.)
  var localTime = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' });
  document.querySelectorAll('header time[datetime]').forEach(function (time) {
    time.textContent = localTime.format(new Date(time.dateTime));
  });

  var announcer = document.createElement('p');
  announcer.className = 'visually-hidden';
  announcer.setAttribute('role', 'status');
  document.body.appendChild(announcer);
  function announce(text) {
    announcer.textContent = text;
  }

  // Opened after an upload from this browser (#uploaded): kept in this browser's list on the upload page,
  // newest first. Only here, never on the server: the link is the key to the meeting.
  if (location.hash === '#uploaded') {
    var kept = new URL(location.href);
    kept.hash = '';
    try {
      var meetings = JSON.parse(window.localStorage.getItem('whisper-notes.meetings') || '[]').filter(function (m) {
        return m.id !== sessionId;
      });
      meetings.unshift({ id: sessionId, page: kept.toString() });
      window.localStorage.setItem('whisper-notes.meetings', JSON.stringify(meetings.slice(0, 100)));
    } catch {
      // Storage refused (private mode): the page works, the upload page just will not list it.
    }
    window.history.replaceState(null, '', kept.toString());
  }

  // "Copy link": the page's own address, token included (it is the key), without the place on the page.
  var copy = document.getElementById('copy-link');
  if (copy && window.navigator.clipboard) {
    copy.hidden = false;
    copy.addEventListener('click', function () {
      var link = new URL(location.href);
      link.hash = '';
      window.navigator.clipboard.writeText(link.toString()).then(
        function () {
          announce('Link copied');
          copy.textContent = 'Copied';
        },
        function () {
          announce('The link could not be copied: copy it from the address bar');
        },
      );
    });
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

  // A link to a moment (`#t=754`, whole seconds, as search answers link): the line said in that second is
  // brought into view and the player set to its start, which marks it as the one being played.
  function openAtMoment() {
    var m = /^#t=(\d+(?:\.\d+)?)$/.exec(location.hash);
    if (!m) return;
    var time = Number(m[1]);
    var at = null;
    document.querySelectorAll('.segment[data-start]').forEach(function (segment) {
      if (Math.floor(Number(segment.dataset.start)) <= time) at = segment;
    });
    if (at) at.scrollIntoView({ block: 'center' });
    var player = document.getElementById('player');
    if (player) player.currentTime = at ? Number(at.dataset.start) : time;
  }
  openAtMoment();
  window.addEventListener('hashchange', openAtMoment);

  // Ticks are saved one todo at a time; the answer (or a live event) sets the box. The todo and speaker
  // forms are sent in place, without leaving the page.
  var SAVE_IN_PLACE = { 'speaker-form': saveSpeakerName, 'todo-edit-form': saveTodoEdit, 'todo-remove-form': removeTodo };
  document.addEventListener('submit', function (e) {
    var form = e.target;
    if (form.id === 'todo-form') e.preventDefault();
    if (form.id === 'todo-add-form') {
      e.preventDefault();
      addTodo(form);
    }
    Object.keys(SAVE_IN_PLACE).forEach(function (name) {
      if (!form.classList || !form.classList.contains(name)) return;
      e.preventDefault();
      SAVE_IN_PLACE[name](form);
    });
  });

  // A todo change goes to the JSON API; the answer says what went wrong, in the service's own words.
  function sendTodo(method, path, body) {
    var init = { method: method };
    if (body) {
      init.headers = { 'content-type': 'application/json' };
      init.body = JSON.stringify(body);
    }
    return fetch(api('sessions/' + sessionId + '/todos' + path), init).then(function (r) {
      return r
        .json()
        .catch(function () {
          return {};
        })
        .then(function (answer) {
          return { ok: r.ok, status: r.status, message: answer.error ? answer.error.message : null };
        });
    });
  }

  var FIELDS = ['task', 'assignee', 'due', 'priority'];
  function todoFields(form, prefix) {
    var fields = {};
    FIELDS.forEach(function (field) {
      var input = form.elements[prefix + field];
      if (input) fields[field] = input.value;
    });
    return fields;
  }

  function busy(form, yes) {
    form.querySelector('button[type="submit"]').disabled = yes;
  }

  function showTodoError(form, message) {
    form.querySelector('.todo-error').textContent = message || 'That change was not saved; please try again.';
  }

  // The edit sends what the form showed too (`seen`), so only what this person changed is saved. A conflict
  // brings the todo as it now is, its form open again with the sentence saying what changed.
  function saveTodoEdit(form) {
    var todoId = form.closest('.todo').dataset.todo;
    var body = todoFields(form, '');
    body.seen = todoFields(form, 'seen_');
    busy(form, true);
    sendTodo('PUT', '/' + encodeURIComponent(todoId), body)
      .then(function (answer) {
        if (answer.ok) {
          form.closest('details').open = false;
          announce('Todo saved.');
          return refreshTodos();
        }
        if (answer.status === 409) return refreshTodos({ todoId: todoId, message: answer.message });
        showTodoError(form, answer.message);
      })
      .catch(function () {
        showTodoError(form, null);
      })
      .then(function () {
        busy(form, false);
      });
  }

  function addTodo(form) {
    busy(form, true);
    sendTodo('POST', '', todoFields(form, ''))
      .then(function (answer) {
        if (!answer.ok) return showTodoError(form, answer.message);
        form.reset();
        showTodoError(form, '');
        form.closest('details').open = false;
        announce('Todo added.');
        return refreshTodos();
      })
      .catch(function () {
        showTodoError(form, null);
      })
      .then(function () {
        busy(form, false);
      });
  }

  function removeTodo(form) {
    busy(form, true);
    sendTodo('DELETE', '/' + encodeURIComponent(form.closest('.todo').dataset.todo))
      .then(function (answer) {
        if (!answer.ok) return announce(answer.message || 'That todo was not removed; please try again.');
        form.closest('details').open = false;
        announce('Todo removed.');
        return refreshTodos();
      })
      .catch(function () {
        announce('That todo was not removed; please try again.');
      })
      .then(function () {
        busy(form, false);
      });
  }

  // The list comes from the server, as the page renders it. A todo whose form someone has open is left as
  // it is (their typing stays) and fetched again when they close it. Only the newest fetch is shown.
  var todoFetches = 0;
  var reopening = null;
  function refreshTodos(reopen) {
    var fetchNo = ++todoFetches;
    if (reopen) reopening = reopen;
    return fetchPage().then(function (next) {
      if (fetchNo !== todoFetches) return;
      swapTodos(next, reopening);
      reopening = null;
    });
  }

  function swapTodos(next, reopen) {
    var current = document.getElementById('todo-items');
    var fresh = next.getElementById('todo-items');
    if (!current || !fresh) return;
    document.getElementById('todos-count').textContent = next.getElementById('todos-count').textContent;
    var kept = {};
    var keeping = false;
    current.querySelectorAll('.todo').forEach(function (item) {
      if (!item.querySelector('details[open]') || (reopen && reopen.todoId === item.dataset.todo)) return;
      kept[item.dataset.todo] = item;
      item.dataset.stale = 'true';
      keeping = true;
    });
    fresh = document.importNode(fresh, true);
    var list = current.querySelector('.todos');
    var freshList = fresh.querySelector('.todos');
    if (!keeping || !list || !freshList) {
      current.replaceWith(fresh);
    } else {
      // Kept items stay where they are (moving one would drop the keyboard's focus); the rest is replaced.
      Array.prototype.slice.call(list.children).forEach(function (item) {
        if (!kept[item.dataset.todo]) item.remove();
      });
      var at = list.firstElementChild;
      Array.prototype.slice.call(freshList.children).forEach(function (item) {
        if (kept[item.dataset.todo]) at = kept[item.dataset.todo].nextElementSibling;
        else list.insertBefore(item, at);
      });
      Array.prototype.slice.call(current.children).forEach(function (child) {
        if (child !== list) child.remove();
      });
      Array.prototype.slice.call(fresh.children).forEach(function (child) {
        if (child !== freshList) current.appendChild(child);
      });
    }
    markDone();
    if (!reopen) return;
    var item = document.querySelector('.todo[data-todo="' + CSS.escape(reopen.todoId) + '"]');
    if (!item) return announce(reopen.message);
    var form = item.querySelector('.todo-edit-form');
    form.closest('details').open = true;
    showTodoError(form, reopen.message);
    form.elements.task.focus();
  }

  // A todo whose form closes catches up with the changes it missed while open.
  document.addEventListener(
    'toggle',
    function (e) {
      var item = e.target.closest && e.target.closest('.todo[data-stale]');
      if (item && !item.querySelector('details[open]')) refreshTodos();
    },
    true,
  );

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
  function markDone() {
    document.querySelectorAll('.todo input[type="checkbox"]:checked').forEach(function (box) {
      box.closest('.todo').classList.add('done');
    });
  }
  markDone();

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

  // What the server renders is the truth: this page, fetched again, from which parts are swapped in.
  function fetchPage() {
    return fetch(location.href, { cache: 'no-store' })
      .then(function (r) {
        return r.text();
      })
      .then(function (text) {
        return new DOMParser().parseFromString(text, 'text/html');
      });
  }

  // The outcome is rendered by the server: swap in what changed; `done` is what to announce instead of the outcome.
  function showOutcome(done) {
    return fetchPage().then(function (next) {
      var state = next.getElementById('state');
      if (state) document.getElementById('state').innerHTML = state.innerHTML;
      var media = next.getElementById('media');
      if (media && !document.getElementById('media')) document.getElementById('state').before(document.importNode(media, true));
      // The transcript just came: its subtitles join the player already here, which keeps playing where it is.
      var track = next.querySelector('#player track');
      var player = document.getElementById('player');
      if (track && player && !player.querySelector('track')) player.appendChild(document.importNode(track, true));
      markDone();
      page.dataset.status = status;
      announce(done || (status === 'COMPLETED' ? 'Done: the summary, todos and transcript are ready.' : 'Processing stopped.'));
    });
  }

  // Renamed here or elsewhere (chat, the CLI): the heading, the tab and the rename field (unless someone is typing in it).
  function showTitle(title) {
    var heading = document.querySelector('header h1');
    if (!heading || heading.textContent === title) return;
    heading.textContent = title;
    document.title = title + ' · Whisper Notes'; // as web/views/layout.ts writes it
    var field = document.getElementById('rename-title');
    if (field && document.activeElement !== field) field.value = title;
    announce('Renamed: ' + title);
  }

  function onProgress(e) {
    if (!FINAL[e.status]) {
      if (!FINAL[status]) return showProgress(e);
      // Reopened (a retry, or the notes being rewritten): the server renders the progress section, live from then on.
      status = e.status;
      return showOutcome('Working on it again.');
    }
    var changed = e.status !== status;
    status = e.status;
    if (status === 'CANCELLED') source.close(); // the server closes too; this stops the reconnect
    if (changed) showOutcome();
  }

  // After a reconnect, catch up on ticks, edits and names made while the stream was down.
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
        showTitle(body.title);
        if (body.todos) refreshTodos();
      });
  }

  // A cancelled session stays so; a finished one may be ticked or rewritten, a failed one retried from anywhere.
  if (status === 'CANCELLED') return;
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
    // Names show at once; the todos' owners are fetched again with them. Ticks carry no kind (or 'tick').
    if (e.kind === 'speakers') {
      applySpeakerNames(e.names);
      refreshTodos();
    } else if (e.kind === 'todo') refreshTodos();
    // New notes: the server renders them (and the list of versions), as it renders an outcome.
    else if (e.kind === 'notes') showOutcome('New notes: version ' + e.version + ' of the summary and todos.');
    else if (e.kind === 'title') showTitle(e.title);
    else if (!e.kind || e.kind === 'tick') applyTodo(e.todoId, e.completed, e.by);
  });
})();
