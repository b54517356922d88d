import { MessageFlags, type ButtonInteraction } from 'discord.js';
import { isAppError } from '../../../core/errors.js';
import { escapeMarkdown, NO_MENTIONS } from '../components/text.js';
import type { DiscordContext } from '../context.js';

/**
 * "Notes as Markdown" under the summary: acknowledged at once (Discord waits 3 s; the results stay as they
 * are), then the notes, exported as the page's download is (docs/architecture.md#exports), follow in the
 * thread as an attached file. A meeting that cannot be exported is answered to whoever clicked alone.
 */
export async function handleMarkdownClick(ctx: DiscordContext, interaction: ButtonInteraction, sessionId: string): Promise<void> {
  await interaction.deferUpdate();
  let file;
  try {
    file = await ctx.sessions.export(sessionId, 'md', { pageUrl: ctx.linkFor(sessionId) });
  } catch (err) {
    if (!isAppError(err)) throw err;
    await interaction.followUp({ content: `❌ ${escapeMarkdown(err.userMessage)}`, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    return;
  }
  ctx.log.info({ sessionId }, 'discord notes sent as markdown');
  await interaction.followUp({ content: '📝 Notes as Markdown', files: [{ attachment: Buffer.from(file.body, 'utf8'), name: file.filename }], allowedMentions: NO_MENTIONS });
}
