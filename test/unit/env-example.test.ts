import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config.js';

describe('.env.example', () => {
  it('lists every variable the config schema reads', () => {
    const listed = new Set(
      readFileSync(new URL('../../.env.example', import.meta.url), 'utf8')
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => line.split('=')[0]),
    );
    const known = Object.keys(configSchema.def.in.def.shape);
    expect(known.filter((name) => !listed.has(name))).toEqual([]);
    expect([...listed].filter((name) => !known.includes(name!))).toEqual([]);
  });
});
