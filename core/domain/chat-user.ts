/** A person as the way in knows them (platform, workspace, their id there); the users table maps them to a stable id. */
export interface ChatUser {
  platform: string;
  workspaceId: string | null;
  externalId: string;
  displayName?: string | null;
}
