import { z } from 'zod';
import type { SlackContext } from './context.js';

const userInfoSchema = z.object({
  user: z.object({ is_admin: z.boolean().optional(), is_owner: z.boolean().optional(), is_primary_owner: z.boolean().optional() }),
});

/** Workspace admins and owners may act on anyone's recordings. Asked of Slack each time: roles change. */
export async function isWorkspaceAdmin(ctx: SlackContext, userId: string): Promise<boolean> {
  try {
    const { user } = userInfoSchema.parse(await ctx.client.users.info({ user: userId }));
    return Boolean(user.is_admin || user.is_owner || user.is_primary_owner);
  } catch (err) {
    ctx.log.warn({ err, userId }, 'users.info failed; treated as not an admin');
    return false;
  }
}
