/**
 * Bundle sizes from the built client's Vite manifest: the gzip size of the
 * JavaScript a route needs, of all JavaScript, and of the crypto wasm.
 *
 * A route needs: SvelteKit's entry (start + app), the root layout (node 0) and
 * the route's page node, with everything they import statically ("initial").
 * "with lazy" adds what those chunks import dynamically (for the case pages:
 * matrix-js-sdk and its Rust crypto glue, loaded after sign-in), excluding
 * other routes' nodes. gzip at the default level 6, as a web server sends it.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from '../scripts/lib/paths.ts';

interface ManifestEntry {
	file: string;
	imports?: string[];
	dynamicImports?: string[];
	isEntry?: boolean;
}

export interface RouteSize {
	route: string;
	initialGzipKB: number;
	withLazyGzipKB: number;
	chunks: number;
}

export interface BundleResult {
	routes: RouteSize[];
	totalJsGzipKB: number;
	totalJsFiles: number;
	wasmGzipKB: number;
	wasmRawKB: number;
}

const CLIENT = path.join(ROOT, '.svelte-kit', 'output', 'client');
const GENERATED = '.svelte-kit/generated/client-optimized';
const kb = (bytes: number) => Math.round((bytes / 1024) * 10) / 10;

export function measureBundle(): BundleResult {
	const manifestFile = path.join(CLIENT, '.vite', 'manifest.json');
	if (!existsSync(manifestFile))
		throw new Error('No client manifest: build the app first (scripts/lib/build.ts ensureBuilt).');
	const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, ManifestEntry>;
	const gz = new Map<string, number>();
	const gzipOf = (file: string) => {
		if (!gz.has(file)) gz.set(file, gzipSync(readFileSync(path.join(CLIENT, file))).length);
		return gz.get(file)!;
	};

	const dictionary = routeDictionary();
	const nodeKey = (n: number) => `${GENERATED}/nodes/${n}.js`;
	const routeNodes = new Set(Object.keys(manifest).filter((k) => k.startsWith(`${GENERATED}/nodes/`)));
	const entryKeys = Object.keys(manifest).filter((k) => manifest[k]!.isEntry && !k.startsWith(`${GENERATED}/nodes/`));

	const closure = (roots: string[], dynamic: boolean) => {
		const seen = new Set<string>();
		const visit = (key: string) => {
			if (seen.has(key) || !manifest[key]) return;
			seen.add(key);
			for (const i of manifest[key]!.imports ?? []) visit(i);
			// The app entry lazily imports every route node; only follow the route's own dynamic imports.
			if (dynamic && key !== `${GENERATED}/app.js`)
				for (const i of manifest[key]!.dynamicImports ?? []) if (!routeNodes.has(i)) visit(i);
		};
		roots.forEach(visit);
		return [...seen].map((k) => manifest[k]!.file).filter((f) => f.endsWith('.js'));
	};

	const routes: RouteSize[] = [];
	for (const [route, leaf, layouts] of dictionary) {
		const roots = [...entryKeys, ...[0, ...layouts].map(nodeKey), nodeKey(leaf)];
		const initial = closure(roots, false);
		const withLazy = closure(roots, true);
		routes.push({
			route,
			initialGzipKB: kb(initial.reduce((a, f) => a + gzipOf(f), 0)),
			withLazyGzipKB: kb(withLazy.reduce((a, f) => a + gzipOf(f), 0)),
			chunks: withLazy.length
		});
	}

	const allJs = walk(path.join(CLIENT, '_app')).filter((f) => f.endsWith('.js'));
	const wasm = walk(path.join(CLIENT, '_app')).filter((f) => f.endsWith('.wasm'));
	return {
		routes,
		totalJsGzipKB: kb(allJs.reduce((a, f) => a + gzipOf(path.relative(CLIENT, f)), 0)),
		totalJsFiles: allJs.length,
		wasmGzipKB: kb(wasm.reduce((a, f) => a + gzipOf(path.relative(CLIENT, f)), 0)),
		wasmRawKB: kb(wasm.reduce((a, f) => a + statSync(f).size, 0))
	};
}

/** [route id, leaf node, extra layout nodes] from SvelteKit's generated client dictionary. */
function routeDictionary(): [string, number, number[]][] {
	const app = readFileSync(path.join(ROOT, GENERATED, 'app.js'), 'utf8');
	const body = /export const dictionary = (\{[\s\S]*?\n\t\});/.exec(app)?.[1];
	if (!body) throw new Error('Cannot read the route dictionary from the generated client app.js');
	const out: [string, number, number[]][] = [];
	for (const m of body.matchAll(/"([^"]+)":\s*\[([^\n]*)\]/g)) {
		// Entries look like [leaf] or [~leaf,[layouts],[errors]]; ~n marks a server load.
		const parts = JSON.parse(`[${m[2]!.replace(/~(\d+)/g, (_, n) => String(Number(n)))}]`) as (
			number | (number | undefined)[]
		)[];
		const leaf = parts[0] as number;
		const layouts = ((parts[1] as (number | undefined)[] | undefined) ?? []).filter(
			(n): n is number => typeof n === 'number'
		);
		out.push([m[1]!, leaf, layouts]);
	}
	return out;
}

function walk(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const file = path.join(dir, name);
		return statSync(file).isDirectory() ? walk(file) : [file];
	});
}
