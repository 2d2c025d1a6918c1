/**
 * A homeserver world, free of vitest, for the integration tests (through
 * harness.ts and matrix-clients.ts), the hardening suite and the benchmarks:
 * the service account, the directory, the case service, provisioned users and
 * real matrix-js-sdk devices with Rust crypto (in memory), set up exactly as
 * the web app does it.
 */
import type { InviteReason } from '../../src/lib/case/reasons.ts';
import { randomBytes } from 'node:crypto';
import type { MatrixClient } from 'matrix-js-sdk';
import { configFromDataDir, type ServerConfig } from '../../src/lib/server/config.ts';
import { connectService } from '../../src/lib/server/service-account.ts';
import { ensureDirectoryRoom } from '../../src/lib/server/directory-admin.ts';
import { Accounts } from '../../src/lib/server/accounts.ts';
import { CaseService } from '../../src/lib/server/cases.ts';
import { passwordLogin, type ServiceClient } from '../../src/lib/server/synapse-admin.ts';
import { MatrixHttp } from '../../src/lib/server/http.ts';
import { createMatrixClient, startSyncing } from '../../src/lib/matrix/client.ts';
import {
	SecretStorageKeyHolder,
	restoreFromKeyBackup,
	setUpEncryption,
	verifyWithRecoveryKey
} from '../../src/lib/matrix/crypto-setup.ts';
import { Outbox, MemoryOutboxStore, type CaseServerApi, type OutboxStore } from '../../src/lib/matrix/outbox.ts';
import { DirectoryWatcher } from '../../src/lib/matrix/directory-watch.ts';
import { CaseIndex } from '../../src/lib/matrix/case-index.ts';
import { CaseRoomSession } from '../../src/lib/matrix/case-room.ts';
import { syncChoice } from '../../src/lib/matrix/sync-choice.ts';
import type { Role } from '../../src/lib/directory/schema.ts';
import { inviteMember, type NewCaseInput } from '../../src/lib/case/commands.ts';
import { eventually } from './eventually.ts';
import { instant } from '../../src/lib/case/time.ts';

export const WORLD_PASSWORD = 'Bench-Password-2026';

export interface World {
	dataDir: string;
	/** Where clients talk to (may be a proxy in front of workers). */
	homeserverUrl: string;
	serverName: string;
	config: ServerConfig;
	service: ServiceClient;
	accounts: Accounts;
	cases: CaseService;
	directoryRoomId: string;
}

export async function openWorld(dataDir: string, homeserverUrl?: string): Promise<World> {
	const config = configFromDataDir(dataDir);
	if (homeserverUrl) config.homeserverUrl = homeserverUrl;
	const service = await connectService(config);
	const directoryRoomId = await ensureDirectoryRoom(service, config.serverName);
	return {
		dataDir,
		homeserverUrl: config.homeserverUrl,
		serverName: config.serverName,
		config,
		service,
		accounts: new Accounts(config, service),
		cases: new CaseService(config, service),
		directoryRoomId
	};
}

export interface WorldUser {
	userId: string;
	localpart: string;
	password: string;
	accessToken: string;
	deviceId: string;
	http: MatrixHttp;
}

export function uniqueLocalpart(prefix: string): string {
	return `${prefix}.${randomBytes(4).toString('hex')}`.toLowerCase();
}

/** Provisions a user like `npm run admin -- user add` and signs them in once. */
export async function createUser(
	world: World,
	org: string,
	roles: Role[] = ['professional'],
	prefix = org.toLowerCase(),
	displayName?: string
): Promise<WorldUser> {
	const localpart = uniqueLocalpart(prefix);
	await world.accounts.addUser({ localpart, org, roles, password: WORLD_PASSWORD, displayName });
	const login = await passwordLogin(world.homeserverUrl, localpart, WORLD_PASSWORD, 'bench');
	return {
		userId: login.user_id,
		localpart,
		password: WORLD_PASSWORD,
		accessToken: login.access_token,
		deviceId: login.device_id,
		http: new MatrixHttp(world.homeserverUrl, login.access_token)
	};
}

export interface Device {
	user: WorldUser;
	client: MatrixClient;
	outbox: Outbox;
	directory: DirectoryWatcher;
	index: CaseIndex;
	recoveryKey: string | null;
	openSession(roomId: string): Promise<CaseRoomSession>;
	stop(): Promise<void>;
}

export interface DeviceOptions {
	/** Set up cross-signing, secret storage and backup (the account's first device). Default true. */
	setUpEncryption?: boolean;
	/** Verify a further device with this recovery key. */
	recoveryKey?: string;
	/**
	 * After the verification with `recoveryKey`, download the key backup in the background, as
	 * the web app does (default true); false leaves it to the test (`restoreFromKeyBackup`).
	 */
	restoreKeys?: boolean;
	/** Sign in afresh (a new device) instead of reusing the user's first login. */
	newLogin?: boolean;
	/** Talk to the homeserver through another URL (a fault-injecting proxy). */
	homeserverUrl?: string;
	outboxStore?: OutboxStore;
	/**
	 * How the device syncs: simplified sliding sync (the default, as the web app's), or
	 * classic /sync. CASUS_TEST_SYNC=classic switches the default.
	 */
	sync?: 'sliding' | 'classic';
}

export function serverApi(world: World, token: () => string): CaseServerApi {
	return {
		createCase: (input) => world.cases.createCase(token(), input),
		handover: (roomId, input) => world.cases.handover(token(), roomId, input)
	};
}

export async function startDevice(world: World, user: WorldUser, opts: DeviceOptions = {}): Promise<Device> {
	const baseUrl = opts.homeserverUrl ?? world.homeserverUrl;
	const login =
		opts.newLogin || opts.recoveryKey
			? await passwordLogin(world.homeserverUrl, user.localpart, user.password, 'bench')
			: { access_token: user.accessToken, device_id: user.deviceId, user_id: user.userId };
	const session = {
		homeserverUrl: baseUrl,
		userId: user.userId,
		deviceId: login.device_id,
		accessToken: login.access_token
	};
	const keyHolder = new SecretStorageKeyHolder();
	const client = await createMatrixClient(session, { persistent: false, keyHolder });
	const sync = opts.sync ?? syncChoice(process.env.CASUS_TEST_SYNC);
	await startSyncing(client, { sliding: sync === 'sliding' });
	let recoveryKey: string | null = null;
	if (opts.recoveryKey) {
		await verifyWithRecoveryKey(client, keyHolder, opts.recoveryKey);
		if (opts.restoreKeys !== false) void restoreFromKeyBackup(client).catch(() => undefined);
	} else if (opts.setUpEncryption !== false) recoveryKey = await setUpEncryption(client, keyHolder, user.password);
	const directory = new DirectoryWatcher(client);
	await directory.start();
	const outbox = new Outbox(
		client,
		opts.outboxStore ?? new MemoryOutboxStore(),
		serverApi(world, () => session.accessToken)
	);
	const index = new CaseIndex(client, { directory: () => directory.directory, outbox });
	const sessions: CaseRoomSession[] = [];
	return {
		user: { ...user, accessToken: session.accessToken, deviceId: session.deviceId },
		client,
		outbox,
		directory,
		index,
		recoveryKey,
		async openSession(roomId) {
			const s = new CaseRoomSession(client, roomId, {
				directory: () => directory.directory,
				serviceUserId: world.config.serviceUserId,
				outbox
			});
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
}

export function newCaseInput(overrides: Partial<NewCaseInput> = {}): NewCaseInput {
	return {
		region: 'DH',
		first_report_at: instant(Date.now() - 3600_000),
		acute: true,
		access: [
			{ org: 'CSG', basis: 'consent' },
			{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
			{ org: 'SHN', basis: 'consent' },
			{ org: 'POLITIE', basis: 'consent' },
			{ org: 'OM', basis: 'consent' },
			{ org: 'PH', basis: 'consent' }
		],
		...overrides
	};
}

/** Opens a case through the server code the web app uses, and joins it. */
export async function openCase(world: World, user: WorldUser, overrides: Partial<NewCaseInput> = {}) {
	const created = await world.cases.createCase(user.accessToken, newCaseInput(overrides));
	await user.http.post(`/_matrix/client/v3/rooms/${encodeURIComponent(created.roomId)}/join`, {});
	return created;
}

/**
 * The coordinator invites `member` through the domain command (the web app's path),
 * the member joins, and the coordinator sees the join. Returns once both are in.
 */
export async function inviteAndJoin(
	session: CaseRoomSession,
	coordinator: Device,
	member: Device,
	reason: InviteReason = 'mdt-triage'
): Promise<void> {
	const roomId = session.roomId;
	await session.execute(
		inviteMember(session.view, coordinator.user.userId, session.context(), { userId: member.user.userId, reason })
	);
	await eventually(() => member.client.getRoom(roomId)?.getMyMembership() === 'invite', {
		message: `${member.user.userId} sees the invite`
	});
	await member.client.joinRoom(roomId);
	await eventually(() => session.room?.getMember(member.user.userId)?.membership === 'join', {
		message: `the coordinator sees ${member.user.userId} join`
	});
}

/** Waits until `check` holds, re-checking whenever `subscribe` reports a change (and on a slow poll as a safety net). */
export function waitUntil(
	subscribe: (cb: () => void) => () => void,
	check: () => boolean,
	timeoutMs = 60_000,
	what = 'condition'
): Promise<void> {
	return new Promise((resolve, reject) => {
		if (check()) return resolve();
		let done = false;
		const finish = (err?: Error) => {
			if (done) return;
			done = true;
			unsubscribe();
			clearInterval(poll);
			clearTimeout(timer);
			if (err) reject(err);
			else resolve();
		};
		const unsubscribe = subscribe(() => {
			if (check()) finish();
		});
		const poll = setInterval(() => check() && finish(), 250);
		const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what}`)), timeoutMs);
	});
}

export { eventually } from './eventually.ts';
