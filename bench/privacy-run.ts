/**
 * The privacy figure alone (`npx tsx bench/privacy-run.ts`), without the rest of
 * `npm run bench` (which seeds its own account first): builds the app when the
 * sources changed, measures the overview at 100 and BENCH_PRIVACY_ROOMS case
 * rooms (bench/privacy.ts; the large homeserver restored from its snapshot when
 * one matches), prints the figures and the target row, and writes them to
 * bench/results-privacy.json (not in git).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureBuilt } from '../scripts/lib/build.ts';
import { generateSchemas } from '../scripts/generate-schemas.ts';
import { ROOT } from '../scripts/lib/paths.ts';
import { measurePrivacyOverview } from './privacy.ts';
import { atMost } from './lib/targets.ts';

const BASE = 100;
const int = (name: string, fallback: number) => {
	const v = Number(process.env[name]);
	return Number.isInteger(v) && v > 0 ? v : fallback;
};
const t0 = Date.now();
const log = (s: string) => console.log(`[${String(Math.round((Date.now() - t0) / 1000)).padStart(4)} s] ${s}`);

const large = Math.max(int('BENCH_PRIVACY_ROOMS', 10_000), BASE + 1);
generateSchemas();
await ensureBuilt(log);
const privacy = await measurePrivacyOverview({
	small: BASE,
	large,
	warmRuns: 9,
	concurrency: int('BENCH_PRIVACY_CONCURRENCY', 8),
	snapshot: process.env.BENCH_PRIVACY_SNAPSHOT !== '0',
	log
});
const target = atMost(
	`privacy overview with ${large.toLocaleString('en')} case rooms vs with ${BASE}`,
	privacy.ratio,
	2
);
console.log(JSON.stringify({ privacy, targets: [target] }, null, 2));
writeFileSync(
	path.join(ROOT, 'bench', 'results-privacy.json'),
	JSON.stringify({ privacy, targets: [target] }, null, 2) + '\n'
);
log(`${target.figure}: ×${target.value} (${target.target}) ${target.met ? 'met' : 'NOT met'}`);
