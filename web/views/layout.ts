import { html, type SafeHtml } from './html.js';

export interface PageHead {
  /** Shown before " · Whisper Notes". */
  title: string;
  /** The assets folder relative to the page's URL, so pages work under a PUBLIC_BASE_URL with a path prefix. */
  assets: 'assets/' | '../assets/';
  /** The page's script in the assets folder. */
  script: string;
  /** Keeps search engines out: a session's page is private. */
  noindex?: boolean;
}

/** The document every page shares: head, the one stylesheet, the page's script, then `body`. */
export function renderDocument(head: PageHead, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
${head.noindex && html`<meta name="robots" content="noindex">`}
<title>${head.title} · Whisper Notes</title>
<link rel="stylesheet" href="${head.assets}status.css">
<script src="${head.assets}${head.script}" defer></script>
</head>
<body>
${body}
</body>
</html>
`.value;
}
