import { describe, expect, it } from 'vitest';
import { createKnex } from '../core/db/knex.js';
import { startS3 } from './helpers/s3-server.js';
import { makeSpeechVideo, tempDir } from './helpers/media.js';
import { testConfig } from './helpers/config.js';

describe('test infrastructure', () => {
  it('has a migrated database, an S3 server and media tools', async () => {
    const config = testConfig();
    const knex = createKnex(config.databaseUrl);
    const { rows } = await knex.raw(`select count(*)::int as n from sessions`);
    expect(rows[0].n).toBe(0);
    await knex.destroy();
    const s3 = await startS3();
    expect(s3.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await s3.close();
    const media = await tempDir();
    const video = await makeSpeechVideo(media.dir, 'Hello team, please send the report by Friday.');
    expect(video.endsWith('.mp4')).toBe(true);
    await media.cleanup();
  });
});
