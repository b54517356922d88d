import type { SourceKind, Stage } from './session.js';

/** Words for the stages and the time left, shared by the chat messages and the status page. */
const STAGE_LABELS: Record<Stage, string> = {
  upload: 'Uploading',
  queued: 'Queued',
  audio: 'Extracting audio',
  transcribe: 'Transcribing',
  align: 'Aligning words',
  diarize: 'Identifying speakers',
  todos: 'Writing summary and todos',
  done: 'Done',
};

/** A recording shared as a link is downloaded by us, not uploaded by the person. */
export const stageLabel = (stage: Stage, sourceKind: SourceKind = 'upload') =>
  stage === 'upload' && sourceKind === 'link' ? 'Downloading' : STAGE_LABELS[stage];

/** What the upload stage says while the recording comes in, by where it comes from. */
export function receivingMessage(sourceKind: SourceKind, bytes?: { received: string; total: string | null }): string {
  if (!bytes) return sourceKind === 'link' ? 'Fetching the recording from its link' : 'Receiving the recording';
  return `${sourceKind === 'link' ? 'Downloaded' : 'Received'} ${bytes.received}${bytes.total ? ` of ${bytes.total}` : ''}`;
}

export function formatEta(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `about ${minutes} min left` : `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
