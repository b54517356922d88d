import { html, type SafeHtml } from './html.js';
import { renderDocument } from './layout.js';

export interface UploadPageState {
  /** The largest recording accepted, as a sentence fragment ("2.1 GB"), and in bytes for the script's early check. */
  maxLabel: string;
  maxBytes: number;
  /** Why the last try was refused; shown above the form. */
  error?: string | null;
  /** The link that was refused, kept in its field so it can be corrected. */
  link?: string;
}

/**
 * The front page of a deployment without chat: a plain multipart form (it works without JavaScript);
 * web/public/upload.js adds dropping a file anywhere, an upload progress bar, in-page errors, and the
 * meetings uploaded from this browser with a search over them (shown only once it knows one).
 * Paths are relative, so the page works under a PUBLIC_BASE_URL with a path prefix and when re-rendered
 * at /sessions after a refusal.
 */
export function renderUploadPage(state: UploadPageState): string {
  const { error } = state;
  return renderDocument(
    { title: 'Upload a recording', assets: 'assets/', script: 'upload.js' },
    html`<main id="page" class="upload-page">
<header>
<p class="brand">Whisper Notes</p>
<h1>Turn a meeting recording into notes</h1>
<p class="meta">Upload a video or audio file, or paste a link to one: you get a transcript, a summary and a todo list on a page of its own.</p>
</header>
<section id="upload-error" class="card failed" role="alert"${error ? null : html` hidden`}><p id="upload-error-text">${error ?? ''}</p></section>
${renderFileForm(state)}
${renderLinkForm(state)}
<section id="meeting-search" class="card" hidden>
<form id="search-form" role="search">
<h2><label for="search-query">Search your meetings</label></h2>
<p class="details">Finds what the meetings below said, in their transcripts, summaries and todos: "a phrase" as said, -word to leave a word out, or for either.</p>
<div class="link-row">
<input type="search" id="search-query" name="query" maxlength="200" required autocomplete="off">
<button type="submit" id="search-button">Search</button>
</div>
</form>
<p id="search-status" class="details" role="status" aria-live="polite"></p>
<ol id="search-hits" class="search-hits"></ol>
</section>
<section id="my-meetings" class="card" hidden>
<h2>Meetings uploaded from this browser</h2>
<ul id="my-meetings-list"></ul>
<p class="details">Kept in this browser only. Each link is the key to its meeting: whoever has it can read and change the notes.</p>
</section>
</main>`,
  );
}

function renderFileForm({ maxLabel, maxBytes }: UploadPageState): SafeHtml {
  return html`<form id="upload-form" class="card" method="post" action="sessions" enctype="multipart/form-data" data-max-bytes="${maxBytes}" data-max-label="${maxLabel}">
<h2>Upload a recording</h2>
<label id="drop-zone" class="drop-zone" for="file">
<span class="drop-title">Drop a recording here, or choose a file</span>
<span class="details">MP4, MOV, WebM, MKV, AVI, MP3, M4A, WAV, OGG or FLAC, up to ${maxLabel}</span>
<input type="file" id="file" name="file" accept="video/*,audio/*,.mkv,.m4a,.flac" required>
</label>
<progress id="upload-progress" max="100" value="0" hidden aria-label="Upload progress"></progress>
<p id="upload-status" class="details" role="status" aria-live="polite"></p>
<button type="submit" id="upload-button">Upload</button>
</form>`;
}

function renderLinkForm({ link }: UploadPageState): SafeHtml {
  return html`<form id="link-form" class="card" method="post" action="sessions" enctype="multipart/form-data">
<h2><label for="link">Or paste a link</label></h2>
<p class="details">A direct link to a video or audio file on the internet; we download it for you.</p>
<div class="link-row">
<input type="url" id="link" name="link" placeholder="https://example.com/standup.mp4" value="${link ?? ''}" required autocomplete="off">
<button type="submit" id="link-button">Fetch it</button>
</div>
</form>`;
}
