import type { webApi } from '@slack/bolt';
import { z } from 'zod';

/** A file as Slack describes it; events may carry only a stub (`file_access: check_file_info`). */
export const slackFileSchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  mimetype: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  url_private_download: z.string().optional(),
  file_access: z.string().optional(),
});
export type SlackFile = z.infer<typeof slackFileSchema>;

/** The full file object: the event's own when complete, else asked of `files.info`. */
export async function resolveFile(client: webApi.WebClient, file: SlackFile): Promise<SlackFile> {
  const complete = file.file_access !== 'check_file_info' && file.mimetype && file.url_private_download && file.size !== undefined;
  if (complete) return file;
  const info = z.object({ file: slackFileSchema }).parse(await client.files.info({ file: file.id }));
  return info.file;
}

/** Slack tells the type it detected; ingest checks the real bytes anyway. */
export function isMediaFile(file: SlackFile): file is SlackFile & { url_private_download: string } {
  return /^(video|audio)\//i.test(file.mimetype ?? '') && Boolean(file.url_private_download);
}
