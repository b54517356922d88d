/** How a diarization label is shown to people, the same on the status page and in the CLI: `SPEAKER_01` → `Speaker 2`; any other label as it is. */
export function speakerName(label: string): string {
  const m = /^SPEAKER_(\d+)$/.exec(label);
  return m ? `Speaker ${Number(m[1]) + 1}` : label;
}
