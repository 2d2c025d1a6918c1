/**
 * Real matrix-js-sdk devices with Rust crypto for the integration tests, over
 * world.ts (where they are built exactly as the web app builds them); every
 * device started here is stopped after the file by stopAllDevices().
 */
import type { Role } from '../../src/lib/directory/schema.ts';
import { createUser, testWorld, type TestUser } from './harness.ts';
import { startDevice as startWorldDevice, type Device } from './world.ts';

export { eventually } from './eventually.ts';
export type TestDevice = Device;

const started: Device[] = [];

/**
 * Starts a device for the user. By default it is the account's first device and sets
 * up encryption (recovery key in `recoveryKey`); `recoveryKey` verifies a further
 * device with it; `firstDevice: false` signs in a further device and leaves it unverified.
 */
export async function startDevice(
	user: TestUser,
	opts: { firstDevice?: boolean; recoveryKey?: string; restoreKeys?: boolean } = {}
): Promise<Device> {
	const device = await startWorldDevice(await testWorld(), user, {
		recoveryKey: opts.recoveryKey,
		restoreKeys: opts.restoreKeys,
		newLogin: opts.firstDevice === false,
		setUpEncryption: opts.firstDevice !== false
	});
	started.push(device);
	return device;
}

export async function stopAllDevices(): Promise<void> {
	for (const d of started.splice(0)) await d.stop().catch(() => undefined);
}

/** A provisioned user with one encrypted-ready device. */
export async function member(org: string, roles: Role[] = ['professional']): Promise<Device> {
	return startDevice(await createUser(org, roles));
}
