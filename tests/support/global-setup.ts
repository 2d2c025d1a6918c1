/**
 * Vitest global setup for the integration project: one real Synapse for the run.
 */
import type { TestProject } from 'vitest/node';
import { startThrowawaySynapse } from './throwaway-synapse.ts';
import type { InstanceInfo } from '../../scripts/lib/synapse.ts';
import { configFromDataDir } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { ensureDirectoryRoom } from '../../src/lib/server/directory-admin.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		synapse: { info: InstanceInfo; dataDir: string };
	}
}

export default async function setup(project: TestProject) {
	const synapse = await startThrowawaySynapse({ label: 'integration' });
	// The directory room exists before any test file provisions users.
	const config = configFromDataDir(synapse.dataDir);
	await ensureDirectoryRoom(await connectService(config), config.serverName);
	project.provide('synapse', { info: synapse.info, dataDir: synapse.dataDir });
	return async () => {
		await synapse.cleanup();
	};
}
