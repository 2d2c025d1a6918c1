/**
 * A throwaway homeserver for one test run: test profile, a free port, a fresh
 * temporary data folder, removed again afterwards (kept when KEEP_TEST_DATA=1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSynapse, type RunningSynapse } from '../../scripts/lib/synapse.ts';
import { freePort } from '../../scripts/lib/ports.ts';
import { generateSchemas } from '../../scripts/generate-schemas.ts';

export interface ThrowawayOptions {
	databaseUrl?: string;
	extraConfig?: string[];
	label?: string;
}

export async function startThrowawaySynapse(
	opts: ThrowawayOptions = {}
): Promise<RunningSynapse & { cleanup(): Promise<void> }> {
	generateSchemas();
	const dataDir = mkdtempSync(path.join(os.tmpdir(), `casus-${opts.label ?? 'test'}-`));
	const port = await freePort();
	const synapse = await startSynapse({
		dataDir,
		profile: 'test',
		port,
		databaseUrl: opts.databaseUrl,
		extraConfig: opts.extraConfig
	});
	return Object.assign(synapse, {
		async cleanup() {
			await synapse.stop();
			if (process.env.KEEP_TEST_DATA !== '1') rmSync(dataDir, { recursive: true, force: true });
			else console.log(`kept test homeserver data in ${dataDir}`);
		}
	});
}
