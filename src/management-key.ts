import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';

/**
 * The management key: from config when set; otherwise (development only) a generated key kept in
 * `<DATA_DIR>/dev-management-key` so it survives restarts of the dev stack.
 */
export function resolveManagementKey(config: Config): { key: string; generated: boolean } {
  if (config.MANAGEMENT_API_KEY) return { key: config.MANAGEMENT_API_KEY, generated: false };
  if (config.NODE_ENV === 'production') throw new Error('MANAGEMENT_API_KEY is required when NODE_ENV=production');
  const path = join(config.DATA_DIR, 'dev-management-key');
  if (existsSync(path)) return { key: readFileSync(path, 'utf8').trim(), generated: true };
  mkdirSync(config.DATA_DIR, { recursive: true });
  const key = `hf_dev_${randomBytes(24).toString('base64url')}`;
  writeFileSync(path, `${key}\n`, { mode: 0o600 });
  return { key, generated: true };
}
