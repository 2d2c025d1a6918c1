// matrix-js-sdk logs every request at debug level; tests only want its errors.
// (Its logger is a loglevel logger; the exported type hides setLevel.)
import { logger } from 'matrix-js-sdk/lib/logger.js';
(logger as unknown as { setLevel(level: string): void }).setLevel('error');
