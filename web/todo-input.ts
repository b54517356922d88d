import { z } from 'zod';
import { EDITABLE_FIELDS } from '../core/domain/todo-edit.js';
import { PRIORITIES } from '../core/domain/todos.js';

/**
 * A todo's fields as the page sends them, typed by a person: the JSON API's bodies and the no-script forms.
 * Lengths are the service's to judge (TODO_INVALID, with its sentence); these bounds only keep bodies small.
 */
export const todoFieldsSchema = z
  .object({
    task: z.string().max(4000),
    assignee: z.string().max(4000).nullable(),
    due: z.string().max(4000).nullable(),
    priority: z.enum(PRIORITIES),
  })
  .partial();

/** The todo fields a form carries, each under `prefix` + its name (`seen_task`); absent fields stay out. */
export function formTodoFields(form: URLSearchParams, prefix = ''): z.infer<typeof todoFieldsSchema> | null {
  const present = EDITABLE_FIELDS.flatMap((field) => {
    const value = form.get(prefix + field);
    return value === null ? [] : [[field, value]];
  });
  const parsed = todoFieldsSchema.safeParse(Object.fromEntries(present));
  return parsed.success ? parsed.data : null;
}
