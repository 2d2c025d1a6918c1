/**
 * Test helpers around case rooms: open a case through the same server code the
 * web app's API uses, and join it with raw HTTP.
 */
import { CaseService } from '../../src/lib/server/cases.ts';
import { serverConfig, serviceClient, type TestUser } from './harness.ts';
import type { NewCaseInput } from '../../src/lib/case/commands.ts';

let service: Promise<CaseService> | undefined;
export function caseService(): Promise<CaseService> {
	service ??= serviceClient().then((client) => new CaseService(serverConfig(), client));
	return service;
}

export function newCaseInput(overrides: Partial<NewCaseInput> = {}): NewCaseInput {
	return {
		region: 'DH',
		first_report_at: new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
		acute: true,
		access: [
			{ org: 'CSG', basis: 'consent' },
			{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'SHN', basis: 'consent' },
			{ org: 'POLITIE', basis: 'consent' }
		],
		...overrides
	};
}

/** Opens a case as `user` and joins it; returns the room ID and reference. */
export async function openCase(user: TestUser, overrides: Partial<NewCaseInput> = {}) {
	const created = await (await caseService()).createCase(user.accessToken, newCaseInput(overrides));
	await user.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(created.roomId)}/join`, {});
	return created;
}
