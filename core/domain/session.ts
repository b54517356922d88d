export const SESSION_STATUSES = ['UPLOADING', 'PROCESSING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const STAGES = ['upload', 'queued', 'audio', 'transcribe', 'align', 'diarize', 'todos', 'done'] as const;
export type Stage = (typeof STAGES)[number];

export type SourceKind = 'upload' | 'link';

export function isFinal(status: SessionStatus): boolean {
  return status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELLED';
}

/** Where a session was started, so replies find their way back to the right thread. */
export interface ChatOrigin {
  platform: 'slack' | 'discord' | 'cli' | 'web';
  workspaceId: string | null;
  channelId: string | null;
  threadRef: string | null;
  statusMessageRef: string | null;
}

export interface TranscriptionOptions {
  language: string | null;
  diarize: boolean;
  minSpeakers: number | null;
  maxSpeakers: number | null;
  prompt: string | null;
  model: string | null;
}

export interface Session {
  id: string;
  userId: string;
  filename: string | null;
  /** The title a person gave the meeting; null shows the one its notes proposed (meetingTitle). */
  title: string | null;
  status: SessionStatus;
  stage: Stage;
  percent: number;
  createdAt: Date;
  updatedAt: Date;
  videoPath: string | null;
  transcriptPath: string | null;
  todosPath: string | null;
  summaryPath: string | null;
  origin: ChatOrigin;
  sourceKind: SourceKind;
  /** The process storing the recording while it is UPLOADING (core/sessions/uploader.ts); null when unknown. */
  uploader: string | null;
  /** The IANA zone of the person who started it, when their platform gives one (Slack); null when unknown. */
  timeZone: string | null;
  sizeBytes: number | null;
  contentType: string | null;
  durationSeconds: number | null;
  language: string | null;
  options: TranscriptionOptions;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  /** Chat messages that show the results, as the platform refers to them. */
  resultsMessageRefs: string[];
  /** The version of the notes todos.json and summary.json hold: 1 until they are regenerated. */
  notesVersion: number;
}
