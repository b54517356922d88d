import type { SessionStatus } from '../domain/session.js';

/**
 * Why a meeting without a stored transcript cannot be used for something (exported, asked about), by where it
 * stands: `later` is what to do once the notes are ready ("Export it"), `nothingTo` what there is nothing to do
 * ("export", "answer from").
 */
export function noTranscript(status: SessionStatus, { later, nothingTo }: { later: string; nothingTo: string }): string {
  switch (status) {
    case 'UPLOADING':
      return `This meeting has no transcript yet: the recording is still arriving. ${later} once its notes are ready.`;
    case 'PROCESSING':
      return `This meeting has no transcript yet: it is still being transcribed. ${later} once its notes are ready.`;
    case 'COMPLETED':
      return `This meeting has no transcript, so there is nothing to ${nothingTo}.`;
    case 'FAILED':
      return `This meeting has no transcript to ${nothingTo}: processing failed before the transcript was written.`;
    case 'CANCELLED':
      return `This meeting has no transcript to ${nothingTo}: it was cancelled before the transcript was written.`;
  }
}
