/**
 * Vitest global setup for the integration project: one real Synapse for the run.
 */
import type { TestProject } from 'vitest/node';
import { startThrowawaySynapse } from './throwaway-synapse.ts';
import type { InstanceInfo } from '../../scripts/lib/synapse.ts';

declare module 'vitest' {
	export interface ProvidedContext {
		synapse: { info: InstanceInfo; dataDir: string };
	}
}

export default async function setup(project: TestProject) {
	const synapse = await startThrowawaySynapse({ label: 'integration' });
	project.provide('synapse', { info: synapse.info, dataDir: synapse.dataDir });
	return async () => {
		await synapse.cleanup();
	};
}
