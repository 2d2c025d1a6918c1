// matrix-js-sdk logs every request at debug level; tests only want its errors.
import { logger } from 'matrix-js-sdk/lib/logger.js';
logger.setLevel('error');
