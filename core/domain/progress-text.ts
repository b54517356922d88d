import type { Stage } from './session.js';

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

export const stageLabel = (stage: Stage) => STAGE_LABELS[stage];

export function formatEta(seconds: number | null): string | null {
  if (seconds === null) return null;
  if (seconds < 60) return 'less than a minute left';
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `about ${minutes} min left` : `about ${Math.floor(minutes / 60)} h ${minutes % 60} min left`;
}
