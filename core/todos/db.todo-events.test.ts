import { testConfig } from '../../test/helpers/config.js';
import { createKnex } from '../db/knex.js';
import { EventLog } from '../progress/event-log.js';
import { streamNames } from '../progress/event-stream.js';
import { createProgress } from '../progress/index.js';
import { todoEventsContract } from '../../test/contracts/todo-events.contract.js';
import { createTodoEvents } from './todo-event-engine.js';

todoEventsContract('embedded', async (log) => {
  const config = testConfig();
  const names = streamNames(config.redis.keyPrefix);
  const knex = createKnex(config.databaseUrl);
  const engine = createProgress({ ...config, engines: { ...config.engines, progress: 'memory' } }, knex, log);
  const todos = createTodoEvents(engine.carrier, log);
  return {
    todos,
    groupCreated: async () => (await knex('event_log_groups').where({ stream: names.todos, group_name: names.group }).first()) !== undefined,
    injectRaw: (sessionId, raw) => new EventLog(knex, log).write((_trx, append) => append(names.todos, sessionId, raw)),
    cleanup: async () => {
      await todos.close();
      await engine.close();
      await knex('event_log').whereIn('stream', [names.todos, names.progress]).delete();
      await knex('event_log_groups').whereIn('stream', [names.todos, names.progress]).delete();
      await knex.destroy();
    },
  };
});
