import { fileURLToPath } from 'node:url';

/** The repository's root directory, with a trailing slash (bench files are spawned and written relative to it). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
