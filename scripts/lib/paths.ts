import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, wherever the command was started from. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const VENV = process.env.CASUS_VENV ?? path.join(ROOT, '.venv');
export const VENV_PYTHON = path.join(VENV, 'bin', 'python');
export const SYNAPSE_CONFIG = path.join(ROOT, 'synapse-config');
export const DEMO_DATA_DIR = process.env.CASUS_DATA_DIR ?? path.join(ROOT, '.data', 'demo');
