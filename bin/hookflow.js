#!/usr/bin/env node
// In a source checkout, runs the TypeScript CLI through tsx (so a stale dist/ never shadows edits);
// in an image or package without sources, runs the build in dist/.
import { existsSync } from 'node:fs';

const source = new URL('../workers/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/workers/cli.js', import.meta.url).href);
}
