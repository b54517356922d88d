import { z } from 'zod';

const platformError = z.object({ code: z.literal('slack_webapi_platform_error'), data: z.object({ error: z.string() }) });

/** The `error` of a Web API answer `{ok: false, error}` (e.g. `not_in_channel`), or null for other failures. */
export function slackErrorCode(err: unknown): string | null {
  const parsed = platformError.safeParse(err);
  return parsed.success ? parsed.data.data.error : null;
}
