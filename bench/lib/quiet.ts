// Imported first by bench/run.ts: matrix-js-sdk's modules create their child
// loggers when they load, so the level must be set before any of them does.
import { logger } from 'matrix-js-sdk/lib/logger.js';
(logger as unknown as { setLevel(level: string): void }).setLevel('error');
