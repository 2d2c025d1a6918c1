/**
 * Helpers for integration tests against the run's real Synapse.
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { configFromDataDir, type ServerConfig } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { Accounts } from '../../src/lib/server/accounts.ts';
import { passwordLogin, type ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';
import type { Role } from '../../src/lib/directory/schema.ts';

export const TEST_PASSWORD = 'Test-Password-2026';

export function server() {
	return inject('synapse');
}

export function serverConfig(): ServerConfig {
	return configFromDataDir(server().dataDir);
}

let service: Promise<ServiceClient> | undefined;
export function serviceClient(): Promise<ServiceClient> {
	service ??= connectService(serverConfig());
	return service;
}

export async function accounts(): Promise<Accounts> {
	return new Accounts(serverConfig(), await serviceClient());
}

/** A unique, readable localpart: tests never collide with each other or with reruns. */
export function uniqueLocalpart(prefix: string): string {
	return `${prefix}.${randomBytes(4).toString('hex')}`.toLowerCase();
}

export interface TestUser {
	userId: string;
	localpart: string;
	password: string;
	accessToken: string;
	deviceId: string;
	http: MatrixHttp;
}

/** Provisions a user through the same code path as `npm run admin -- user add`, and signs them in. */
export async function createUser(org: string, roles: Role[] = ['professional'], prefix = org.toLowerCase()): Promise<TestUser> {
	const localpart = uniqueLocalpart(prefix);
	const acc = await accounts();
	await acc.addUser({ localpart, org, roles, password: TEST_PASSWORD });
	const login = await passwordLogin(server().info.homeserverUrl, localpart, TEST_PASSWORD, 'integration-test');
	return {
		userId: login.user_id,
		localpart,
		password: TEST_PASSWORD,
		accessToken: login.access_token,
		deviceId: login.device_id,
		http: new MatrixHttp(server().info.homeserverUrl, login.access_token)
	};
}
