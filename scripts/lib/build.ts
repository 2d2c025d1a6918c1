/**
 * Builds the web app when its sources changed since the last build, so the
 * demo and the end-to-end tests start quickly the second time.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';

const INPUTS = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'tsconfig.json'];
const STAMP = path.join(ROOT, 'build', '.casus-source-hash');

function hashTree(hash: ReturnType<typeof createHash>, target: string): void {
	if (!existsSync(target)) return;
	const stat = statSync(target);
	if (stat.isDirectory()) {
		for (const name of readdirSync(target).sort()) hashTree(hash, path.join(target, name));
	} else {
		hash.update(path.relative(ROOT, target));
		hash.update(readFileSync(target));
	}
}

export function sourceHash(): string {
	const hash = createHash('sha256');
	for (const input of INPUTS) hashTree(hash, path.join(ROOT, input));
	return hash.digest('hex');
}

export function ensureBuilt(log: (line: string) => void = console.log): void {
	const want = sourceHash();
	if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === want && existsSync(path.join(ROOT, 'build', 'index.js'))) return;
	log('casusruimte: building the web app…');
	execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
	writeFileSync(STAMP, want);
}
