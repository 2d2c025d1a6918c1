/**
 * Builds the web app when its sources changed since the last build, so the
 * demo and the end-to-end tests start quickly the second time.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.ts';
import { killOnExit } from './synapse.ts';

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

/** Builds when needed. Asynchronous, so Ctrl-C during a build is handled at once. */
export async function ensureBuilt(log: (line: string) => void = console.log): Promise<void> {
	const want = sourceHash();
	if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === want && existsSync(path.join(ROOT, 'build', 'index.js')))
		return;
	log('casusruimte: building the web app…');
	// Vite's own entry point, not npx: a signal must reach the process that does the work.
	const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
	const child = spawn(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
	killOnExit(child);
	const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
	if (code !== 0) throw new Error(`Building the web app failed (exit code ${code}).`);
	writeFileSync(STAMP, want);
}
