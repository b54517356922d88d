import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { ChatUser } from '../domain/chat-user.js';

/** Chat users (platform + workspace + user id) mapped to stable UUIDs. */
export class UsersRepository {
  constructor(private readonly knex: Knex) {}

  /** Returns the user's UUID, creating the row on first sight; safe under concurrent calls. */
  async resolve(user: ChatUser): Promise<string> {
    const row = {
      id: randomUUID(),
      platform: user.platform,
      workspace_id: user.workspaceId ?? '',
      external_id: user.externalId,
      display_name: user.displayName ?? null,
    };
    const [saved] = await this.knex<typeof row>('users')
      .insert(row)
      .onConflict(['platform', 'workspace_id', 'external_id'])
      .merge(user.displayName ? { display_name: user.displayName } : { external_id: user.externalId })
      .returning('id');
    return (saved as { id: string }).id;
  }
}
