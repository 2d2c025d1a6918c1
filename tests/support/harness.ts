/**
 * The integration project's view of the shared test world (world.ts): the run's
 * real Synapse comes from the vitest global setup, the rest is world.ts.
 */
import { inject } from 'vitest';
import { configFromDataDir, type ServerConfig } from '../../src/lib/server/config.ts';
import type { ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import type { Accounts } from '../../src/lib/server/accounts.ts';
import type { Role } from '../../src/lib/directory/schema.ts';
import { openWorld, createUser as createWorldUser, WORLD_PASSWORD, type World, type WorldUser } from './world.ts';

export { uniqueLocalpart } from './world.ts';
export const TEST_PASSWORD = WORLD_PASSWORD;
export type TestUser = WorldUser;

export function server() {
	return inject('synapse');
}

export function serverConfig(): ServerConfig {
	return configFromDataDir(server().dataDir);
}

let world: Promise<World> | undefined;
export function testWorld(): Promise<World> {
	world ??= openWorld(server().dataDir);
	return world;
}

export async function serviceClient(): Promise<ServiceClient> {
	return (await testWorld()).service;
}

export async function accounts(): Promise<Accounts> {
	return (await testWorld()).accounts;
}

/** Provisions a user through the same code path as `npm run admin -- user add`, and signs them in. */
export async function createUser(
	org: string,
	roles: Role[] = ['professional'],
	prefix = org.toLowerCase(),
	displayName?: string
): Promise<TestUser> {
	return createWorldUser(await testWorld(), org, roles, prefix, displayName);
}
