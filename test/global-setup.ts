import type { TestProject } from 'vitest/node';
import { createScratchDatabase } from './helpers/database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** Each test run gets a migrated database of its own, dropped at the end. */
export default async function setup(project: TestProject) {
  const database = await createScratchDatabase('wn_test');
  project.provide('databaseUrl', database.url);
  return () => database.drop();
}
