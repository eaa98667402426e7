#!/usr/bin/env node
// Runs the built CLI when `npm run build` has produced dist/, else the TypeScript source through tsx.
import { existsSync } from 'node:fs';

const built = new URL('../dist/workers/cli.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../workers/cli.ts', import.meta.url).href);
}
