/**
 * Real matrix-js-sdk clients with Rust crypto for integration tests: each test
 * user gets a signed-in device with cross-signing, secret storage and key backup
 * set up, exactly as the web app does it, only with in-memory crypto stores.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import { createMatrixClient, startSyncing } from '../../src/lib/matrix/client.ts';
import { SecretStorageKeyHolder, setUpEncryption, verifyWithRecoveryKey } from '../../src/lib/matrix/crypto-setup.ts';
import { Outbox, MemoryOutboxStore, type CaseServerApi } from '../../src/lib/matrix/outbox.ts';
import { DirectoryWatcher } from '../../src/lib/matrix/directory-watch.ts';
import { CaseIndex } from '../../src/lib/matrix/case-index.ts';
import { CaseRoomSession } from '../../src/lib/matrix/case-room.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import { createUser, server, type TestUser } from './harness.ts';
import { caseService } from './cases.ts';
import type { Role } from '../../src/lib/directory/schema.ts';

export interface TestDevice {
	user: TestUser;
	client: MatrixClient;
	keyHolder: SecretStorageKeyHolder;
	outbox: Outbox;
	directory: DirectoryWatcher;
	index: CaseIndex;
	api: CaseServerApi;
	recoveryKey: string | null;
	openSession(roomId: string): Promise<CaseRoomSession>;
	stop(): Promise<void>;
}

/** The web app's server endpoints, called in-process with the user's own token. */
export function serverApiFor(token: () => string): CaseServerApi {
	return {
		createCase: async (input) => (await caseService()).createCase(token(), input),
		handover: async (roomId, input) => (await caseService()).handover(token(), roomId, input)
	};
}

const started: TestDevice[] = [];

/** Signs a user in on a new device and starts syncing; sets up encryption on the account's first device. */
export async function startDevice(user: TestUser, opts: { firstDevice?: boolean; recoveryKey?: string } = {}): Promise<TestDevice> {
	const login = opts.firstDevice === false || opts.recoveryKey
		? await passwordLogin(server().info.homeserverUrl, user.localpart, user.password, 'integration-test')
		: { access_token: user.accessToken, device_id: user.deviceId, user_id: user.userId };
	const session = { homeserverUrl: server().info.homeserverUrl, userId: user.userId, deviceId: login.device_id, accessToken: login.access_token };
	const keyHolder = new SecretStorageKeyHolder();
	const client = await createMatrixClient(session, { persistent: false, keyHolder });
	await startSyncing(client);
	let recoveryKey: string | null = null;
	if (opts.recoveryKey) await verifyWithRecoveryKey(client, keyHolder, opts.recoveryKey);
	else if (opts.firstDevice !== false) recoveryKey = await setUpEncryption(client, keyHolder, user.password);
	const directory = new DirectoryWatcher(client);
	await directory.start();
	const api = serverApiFor(() => session.accessToken);
	const outbox = new Outbox(client, new MemoryOutboxStore(), api);
	const index = new CaseIndex(client, { directory: () => directory.directory, outbox });
	const sessions: CaseRoomSession[] = [];
	const device: TestDevice = {
		user: { ...user, accessToken: session.accessToken, deviceId: session.deviceId },
		client,
		keyHolder,
		outbox,
		directory,
		index,
		api,
		recoveryKey,
		async openSession(roomId) {
			const s = new CaseRoomSession(client, roomId, { directory: () => directory.directory, serviceUserId: server().info.serviceUserId, outbox });
			sessions.push(s);
			await s.load();
			return s;
		},
		async stop() {
			for (const s of sessions) s.destroy();
			index.stop();
			directory.stop();
			outbox.stop();
			client.stopClient();
		}
	};
	started.push(device);
	return device;
}

export async function stopAllDevices(): Promise<void> {
	for (const d of started.splice(0)) await d.stop().catch(() => undefined);
}

/** A provisioned user with one encrypted-ready device. */
export async function member(org: string, roles: Role[] = ['professional']): Promise<TestDevice> {
	return startDevice(await createUser(org, roles));
}

export { eventually } from './eventually.ts';
