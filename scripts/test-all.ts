/**
 * `npm test`: every test, in order, against real parts.
 *   1. schemas   JSON Schema generated from the zod schemas (for the guard)
 *   2. types     svelte-check (TypeScript strict) over the app, the tests and the scripts
 *   2a. lint     Prettier (formatting), ESLint (TypeScript + Svelte rules), knip (dead files, exports, dependencies)
 *   2b. guard    the Synapse module's own pytest tests (when present)
 *   3. unit      vitest, pure code
 *   4. integration  vitest against a throwaway real Synapse
 *   5. e2e       Playwright in Debian's Chromium against the built app and a real Synapse
 *   6. hardening the fault and attack suite (tests/hardening, vitest against its own Synapse)
 * Every stage runs even when an earlier one failed, so one run shows everything;
 * the exit code is non-zero if any stage failed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, VENV_PYTHON } from './lib/paths.ts';
import { generateSchemas } from './generate-schemas.ts';

interface Stage {
	name: string;
	when?: () => boolean;
	run: () => number;
}

const sh = (cmd: string, args: string[], env: Record<string, string> = {}) =>
	spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

const stages: Stage[] = [
	{
		name: 'schemas',
		run: () => {
			generateSchemas();
			return 0;
		}
	},
	{
		name: 'types (svelte-check)',
		run: () =>
			sh('npx', ['svelte-kit', 'sync']) ||
			sh('npx', ['svelte-check', '--tsconfig', './tsconfig.json', '--fail-on-warnings'])
	},
	{
		// Formatting, lint and dead code fail CI like a failing test: each tool runs even if another fails.
		name: 'lint (prettier, eslint, knip)',
		run: () => {
			const format = sh('npx', ['prettier', '--check', '.']);
			const lint = sh('npx', ['eslint', '.']);
			const dead = sh('npx', ['knip']);
			return format || lint || dead;
		}
	},
	{
		name: 'guard (pytest)',
		when: () => existsSync(path.join(ROOT, 'synapse-config', 'guard', 'tests')),
		run: () =>
			sh(VENV_PYTHON, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'synapse-config/guard/tests'], {
				PYTHONPATH: path.join(ROOT, 'synapse-config', 'guard')
			})
	},
	{ name: 'unit (vitest)', run: () => sh('npx', ['vitest', 'run', '--project', 'unit']) },
	{ name: 'integration (vitest + Synapse)', run: () => sh('npx', ['vitest', 'run', '--project', 'integration']) },
	{ name: 'end-to-end (Playwright + Chromium + Synapse)', run: () => sh('npx', ['playwright', 'test']) },
	{
		// Restart mid-work, network drop mid-queue, 1,000+ malformed events, access attempts
		// (vitest, its own throwaway Synapse that the tests restart), then the browser's
		// network drop (Playwright). About two minutes.
		name: 'hardening (vitest + Playwright + Synapse)',
		run: () => {
			const protocol = sh('npx', ['vitest', 'run', '--project', 'hardening']);
			const browser = sh('npx', ['playwright', 'test', '--config', 'tests/hardening/playwright.config.ts']);
			return protocol || browser;
		}
	}
];

const results: { name: string; status: 'passed' | 'FAILED' | 'skipped'; seconds: number }[] = [];
for (const stage of stages) {
	if (stage.when && !stage.when()) {
		results.push({ name: stage.name, status: 'skipped', seconds: 0 });
		continue;
	}
	console.log(`\n━━━ ${stage.name} ━━━`);
	const t0 = Date.now();
	let code: number;
	try {
		code = stage.run();
	} catch (err) {
		console.error(err);
		code = 1;
	}
	results.push({ name: stage.name, status: code === 0 ? 'passed' : 'FAILED', seconds: (Date.now() - t0) / 1000 });
}

console.log('\n━━━ summary ━━━');
for (const r of results)
	console.log(`  ${r.status.padEnd(7)}  ${r.name}${r.seconds ? `  (${r.seconds.toFixed(0)} s)` : ''}`);
const failed = results.some((r) => r.status === 'FAILED');
console.log(failed ? '\nSome tests FAILED.' : '\nAll tests passed.');
process.exit(failed ? 1 : 0);
