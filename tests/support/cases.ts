/**
 * Test helpers around case rooms, over world.ts: open a case through the same
 * server code the web app's API uses, and join it.
 */
import type { CaseService } from '../../src/lib/server/cases.ts';
import type { NewCaseInput } from '../../src/lib/case/commands.ts';
import { testWorld, type TestUser } from './harness.ts';
import { newCaseInput as worldCaseInput, openCase as openWorldCase } from './world.ts';

export async function caseService(): Promise<CaseService> {
	return (await testWorld()).cases;
}

/** The integration tests' standard case: CSG, VT (statutory), SHN and the police covered; OM and PH not. */
export function newCaseInput(overrides: Partial<NewCaseInput> = {}): NewCaseInput {
	return worldCaseInput({
		access: [
			{ org: 'CSG', basis: 'consent' },
			{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'SHN', basis: 'consent' },
			{ org: 'POLITIE', basis: 'consent' }
		],
		...overrides
	});
}

/** Opens a case as `user` and joins it; returns the room ID and reference. */
export async function openCase(user: TestUser, overrides: Partial<NewCaseInput> = {}) {
	return openWorldCase(await testWorld(), user, newCaseInput(overrides));
}
