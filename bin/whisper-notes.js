#!/usr/bin/env node
// `whisper-notes …` (or `npx whisper-notes …` in the repository): runs cli/main.ts through tsx in this very
// process, so stdout carries only what the command prints (`npm run cli` adds npm's banner to it).
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// The data directory `npm start` uses (./data in the repository) wherever the command is typed.
process.env.DATA_DIR ??= path.join(root, 'data');
register();
await import(path.join(root, 'cli', 'main.ts'));
