/**
 * `npm run workers`: Synapse as a worker deployment (main + event persister +
 * generic workers for client traffic and sync) on PostgreSQL and Redis, behind
 * nginx on 127.0.0.1:CASUS_HS_PORT (default 8008), its configuration generated
 * from the route table. Ctrl-C stops everything, nginx with it.
 *
 *   DATABASE_URL  postgres://postgres@127.0.0.1:5432/casusruimte_workers (default)
 *   REDIS_URL     redis://127.0.0.1:6379/0 (default; the path is the DB index)
 *   CASUS_DATA_DIR  .data/workers (default)
 *   CASUS_PROFILE   demo (default) | test | production
 *   CASUS_NGINX     the nginx binary (default: Debian's /usr/sbin/nginx)
 * See README, "Scaling out", for when to move to this.
 */
import path from 'node:path';
import { ROOT } from './lib/paths.ts';
import { startSynapseWorkers, ROUTES } from './lib/synapse-workers.ts';
import { generateSchemas } from './generate-schemas.ts';

const dataDir = process.env.CASUS_DATA_DIR ?? path.join(ROOT, '.data', 'workers');
const port = Number(process.env.CASUS_HS_PORT ?? 8008);
const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/casusruimte_workers';
const redis = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0');
const profile = (process.env.CASUS_PROFILE ?? 'demo') as 'demo' | 'test' | 'production';

generateSchemas();
const running = await startSynapseWorkers({
	dataDir,
	profile,
	port,
	databaseUrl,
	redis: { host: redis.hostname, port: Number(redis.port || 6379), dbid: Number(redis.pathname.slice(1) || 0) }
});
console.log(`casusruimte: Synapse workers running behind ${running.info.homeserverUrl} (data in ${dataDir})`);
for (const p of running.processes) console.log(`  ${p.name.padEnd(17)} ${p.app.padEnd(28)} 127.0.0.1:${p.port}`);
console.log(`  nginx (${running.nginxConfig}):`);
for (const r of ROUTES) console.log(`    ${r.pattern.source}  →  ${r.worker}`);
console.log('    everything else  →  main');

const stop = async () => {
	console.log('\ncasusruimte: stopping the workers…');
	await running.stop();
	process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
