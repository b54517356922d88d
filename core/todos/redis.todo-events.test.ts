import { Redis } from 'ioredis';
import { removeKeys } from '../../test/helpers/cleanup.js';
import { testConfig } from '../../test/helpers/config.js';
import { createKnex } from '../db/knex.js';
import { createProgress } from '../progress/index.js';
import { createTodoEvents } from './todo-event-engine.js';
import { todoNames } from './redis.todo-events.js';
import { todoEventsContract } from '../../test/contracts/todo-events.contract.js';

todoEventsContract('Redis', async (log) => {
  const config = testConfig();
  const names = todoNames(config.redis.keyPrefix);
  const redis = new Redis(config.redis.url);
  // The Redis engine never touches the database; the factory still takes the process's pool.
  const knex = createKnex(config.databaseUrl);
  const engine = createProgress(config, knex, log);
  const todos = createTodoEvents(engine.carrier, log);
  return {
    todos,
    groupCreated: async () => ((await redis.xinfo('GROUPS', names.stream).catch(() => [])) as unknown[]).length > 0,
    injectRaw: async (sessionId, raw) => void (await redis.publish(names.channel(sessionId), raw)),
    cleanup: async () => {
      await todos.close();
      await engine.close();
      await knex.destroy();
      await removeKeys(config, redis);
      redis.disconnect();
    },
  };
});
