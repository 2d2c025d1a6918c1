/**
 * The signed-in session, its Matrix client and this device's encryption, as
 * Svelte 5 state. Only this module starts or stops the client; it wires the
 * other state modules (directory, case list, connectivity) to it. A new device
 * of an account that is set up shows its case list (plaintext state the
 * homeserver gives any signed-in device) while it is being verified; what
 * writes, and every case's content, waits for the verification.
 *
 * matrix-js-sdk is loaded lazily (client.ts and runtime.ts are imported
 * dynamically or import the SDK dynamically), so the sign-in page stays light.
 */
import type { MatrixClient, HttpApiEvent } from 'matrix-js-sdk';
import { env } from '$env/dynamic/public';
import { loadSession, saveSession, passwordLogin, logout, type Session } from '../matrix/session.ts';
import { SecretStorageKeyHolder, type EncryptionStatus } from '../matrix/crypto-setup.ts';
import { DeviceVerification } from '../matrix/device-verification.ts';
import { syncChoice } from '../matrix/sync-choice.ts';
import type { MemberServices } from './runtime.ts';
import { directory } from './directory.svelte.ts';
import { caseList } from './case-list.svelte.ts';
import { connectivity } from './connectivity.svelte.ts';
import { notices } from './notices.svelte.ts';
import { KeyRestore } from './key-restore.svelte.ts';

export type AppStatus =
	| 'signed-out'
	| 'starting'
	/** First device of the account: set up cross-signing and the recovery key. */
	| 'setup'
	/** A new device of an account that is set up: verify it before it gets case data. */
	| 'verify'
	| 'ready'
	| 'expired'
	| 'error';

type Runtime = typeof import('./runtime.ts');

const SESSION_KEY = 'casusruimte.session';
const LOCALE_KEY = 'casusruimte.locale';
/** Set while this device's key-backup download has not finished (it resumes on the next start). */

/** Sliding sync (MSC4186) unless PUBLIC_CASUS_SYNC=classic (sync-choice.ts, README issue 15). */
function slidingSyncChosen(): boolean {
	return syncChoice(env.PUBLIC_CASUS_SYNC) === 'sliding';
}

export function homeserverUrl(): string {
	return env.PUBLIC_HOMESERVER_URL || 'http://localhost:8008';
}

class AppState {
	session = $state<Session | null>(null);
	client = $state.raw<MatrixClient | null>(null);
	status = $state<AppStatus>('signed-out');
	error = $state<string | null>(null);
	encryption = $state<EncryptionStatus | null>(null);
	services = $state.raw<MemberServices | null>(null);
	/** A verification request from my new device, waiting for me here. */
	incomingVerification = $state.raw<DeviceVerification | null>(null);
	runtime: Runtime | null = null;
	readonly keyHolder = new SecretStorageKeyHolder();
	/** The key backup's room keys, downloaded in the background after a new device is verified. */
	readonly keyRestore = new KeyRestore();
	/** The sign-in password, in memory only, until the first-run set-up has used it. */
	private password: string | null = null;
	private starting: Promise<void> | null = null;
	private servicesStarting: Promise<MemberServices> | null = null;
	private cleanups: (() => void)[] = [];

	constructor() {
		if (typeof localStorage !== 'undefined') this.session = loadSession();
	}

	get signedIn(): boolean {
		return this.session !== null;
	}

	get userId(): string | null {
		return this.session?.userId ?? null;
	}

	/** Whether the first-run set-up can run without asking for the password again. */
	get hasPassword(): boolean {
		return this.password !== null;
	}

	async signIn(username: string, password: string): Promise<void> {
		const session = await passwordLogin(homeserverUrl(), username, password);
		saveSession(session);
		this.session = session;
		this.password = password;
		this.status = 'signed-out';
		this.starting = null;
	}

	/**
	 * Loads what starting the client needs (the SDK, the app's runtime, the crypto's wasm)
	 * while the sign-in request and the landing-page check run: code only, nothing starts and
	 * nothing is stored. Called on submitting the sign-in form, so the sign-in page itself
	 * still loads only what sign-in needs (README, "The case list at scale").
	 */
	preloadClient(): void {
		void Promise.all([
			import('matrix-js-sdk'),
			import('../matrix/client.ts'),
			import('./runtime.ts'),
			import('@matrix-org/matrix-sdk-crypto-wasm').then((wasm) => wasm.initAsync())
		]).catch(() => undefined);
	}

	/** Starts the Matrix client for the stored session (once) and finds out what this device needs. */
	ensureStarted(): Promise<void> {
		if (!this.session) return Promise.reject(new Error('not signed in'));
		this.starting ??= this.start(this.session);
		return this.starting;
	}

	private async start(session: Session): Promise<void> {
		this.status = 'starting';
		this.error = null;
		try {
			const sliding = slidingSyncChosen();
			// Whether the homeserver offers sliding sync: asked while the SDK and the crypto load.
			const slidingOffered = sliding
				? import('../matrix/sliding.ts').then(({ offersSlidingSync }) =>
						offersSlidingSync({ baseUrl: session.homeserverUrl, accessToken: session.accessToken })
					)
				: undefined;
			const [{ createMatrixClient, startSyncing, syncDatabaseName }, rt] = await Promise.all([
				import('../matrix/client.ts'),
				import('./runtime.ts')
			]);
			this.runtime = rt;
			forgetSdkPendingEvents();
			const client = await createMatrixClient(session, {
				persistent: true,
				keyHolder: this.keyHolder,
				syncCache: !sliding
			});
			// matrix-js-sdk emits this when the homeserver says our token is no longer valid.
			client.on('Session.logged_out' as HttpApiEvent.SessionLoggedOut, () => this.expire());
			// What this device needs (set-up, verification) does not depend on the sync: asked while
			// the first sync response is awaited (README, "The case list at scale").
			const encryption = import('../matrix/crypto-setup.ts').then(({ encryptionStatus }) => encryptionStatus(client));
			encryption.catch(() => undefined); // awaited below; a sync failure must not leave it unhandled
			// Sliding sync (MSC4186, the default): the first screen of cases without waiting for a full
			// sync. Classic /sync with its IndexedDB cache with PUBLIC_CASUS_SYNC=classic, and when the
			// homeserver does not offer sliding sync (README, issue 15).
			const mode = await startSyncing(client, { sliding, slidingOffered });
			this.cleanups.push(
				rt.watchConnectivity(
					client,
					() => this.services?.outbox ?? null,
					(c) => connectivity.report(c)
				)
			);
			// The classic sync cache of earlier versions holds nothing sliding sync reads: it goes.
			if (mode === 'sliding') dropSyncCache(session.userId, syncDatabaseName);
			this.client = client;
			this.encryption = await encryption;
			if (!this.encryption?.accountSetUp) this.status = 'setup';
			else if (!this.encryption.deviceVerified) {
				// The list while the user verifies this device: nothing is written until then.
				this.status = 'verify';
				// A list that fails to start does not hold up the verification, which starts it again.
				await this.startServices({ writing: false }).catch(() => (this.servicesStarting = null));
			} else {
				await this.startServices();
				// The page was closed before the key-backup download of this device's verification ended.
				this.restoreKeysInBackground(client, session.userId, true);
			}
		} catch (err) {
			this.starting = null;
			if (err && typeof err === 'object' && 'errcode' in err && err.errcode === 'M_UNKNOWN_TOKEN') {
				this.expire();
				return;
			}
			this.status = 'error';
			this.error = err instanceof Error ? err.message : String(err);
		}
	}

	async refreshEncryption(): Promise<EncryptionStatus | null> {
		if (!this.client) return null;
		const { encryptionStatus } = await import('../matrix/crypto-setup.ts');
		this.encryption = await encryptionStatus(this.client);
		return this.encryption;
	}

	/** First run on this account: returns the recovery key to show once. */
	async setUpEncryption(password?: string): Promise<string> {
		const client = this.requireClient();
		const pw = password ?? this.password;
		if (!pw) throw new Error('password needed');
		const { setUpEncryption } = await import('../matrix/crypto-setup.ts');
		const key = await setUpEncryption(client, this.keyHolder, pw);
		this.password = null;
		await this.refreshEncryption();
		return key;
	}

	/** The user has stored the recovery key: continue into the app. */
	async finishSetup(): Promise<void> {
		this.keyHolder.clear();
		await this.startServices();
	}

	/**
	 * A new device: verify it with the recovery key. The case list starts as soon as the
	 * device is cross-signed; the room keys of the key backup follow in the background.
	 */
	async verifyWithRecoveryKey(recoveryKey: string): Promise<void> {
		const client = this.requireClient();
		const { verifyWithRecoveryKey } = await import('../matrix/crypto-setup.ts');
		await verifyWithRecoveryKey(client, this.keyHolder, recoveryKey);
		this.keyHolder.clear();
		this.password = null;
		await this.refreshEncryption();
		await this.startServices();
		this.restoreKeysInBackground(client, client.getSafeUserId());
	}

	/** A new device: ask one of my other devices to verify it (emoji comparison). */
	async requestVerificationFromOtherDevice(): Promise<DeviceVerification> {
		return DeviceVerification.requestFromOtherDevice(this.requireClient());
	}

	/** After the emoji matched: wait for the cross-signature and the backup key, then continue. */
	async completeOtherDeviceVerification(): Promise<boolean> {
		const client = this.requireClient();
		const { completeNewDeviceVerification } = await import('../matrix/device-verification.ts');
		const ok = await completeNewDeviceVerification(client);
		await this.refreshEncryption();
		if (ok && this.encryption?.deviceVerified) {
			this.password = null;
			await this.startServices();
			this.restoreKeysInBackground(client, client.getSafeUserId());
		}
		return ok;
	}

	dismissIncomingVerification(): void {
		this.incomingVerification?.dispose();
		this.incomingVerification = null;
	}

	/**
	 * The member services: the case list, and (`writing`, a verified device) what writes. A new
	 * device starts them without writing while it is verified, and with writing once it is.
	 */
	private async startServices(opts: { writing: boolean } = { writing: true }): Promise<void> {
		const client = this.requireClient();
		const session = this.session!;
		const rt = this.runtime!;
		this.servicesStarting ??= this.startListServices(client, session, rt);
		const services = await this.servicesStarting;
		if (!opts.writing || services.writing) {
			if (opts.writing) this.status = 'ready';
			return;
		}
		services.startWriting();
		this.cleanups.push(
			rt.watchVerificationRequests(client, (request) => {
				this.incomingVerification?.dispose();
				this.incomingVerification = DeviceVerification.incoming(request);
			})
		);
		this.status = 'ready';
	}

	private async startListServices(client: MatrixClient, session: Session, rt: Runtime): Promise<MemberServices> {
		const services = await rt.startMemberServices(client, session, {
			onForgotten: (_roomId, reference, reason) =>
				notices.push('warning', reason ? 'notices.caseGoneReason' : 'notices.caseGone', {
					reference,
					reason: reason ?? ''
				})
		});
		this.services = services;
		directory.attach(services.directory);
		caseList.attach(client, services, rt);
		connectivity.attach(services.outbox, () => {
			client.retryImmediately();
			services.outbox.wake();
		});
		return services;
	}

	/**
	 * Downloads the key backup's room keys without holding up the case list (decision and
	 * reasons: README, "The case list at scale"); a case opened meanwhile fills in as its
	 * keys are imported, and its page says keys are still arriving.
	 */
	/** The key-backup download after a verification, or (`resume`) the one an earlier page left unfinished. */
	private restoreKeysInBackground(client: MatrixClient, userId: string, resume = false): void {
		const restore = async () => {
			const { restoreFromKeyBackup } = await import('../matrix/crypto-setup.ts');
			return restoreFromKeyBackup(client);
		};
		const run = resume ? this.keyRestore.resume(restore, userId) : this.keyRestore.start(restore, userId);
		void run?.then(() => {
			if (this.keyRestore.status === 'done') void this.refreshEncryption().catch(() => undefined); // the backup is on now
		});
	}

	private requireClient(): MatrixClient {
		if (!this.client) throw new Error('the Matrix client is not running');
		return this.client;
	}

	private stopAll(): MatrixClient | null {
		const client = this.client;
		for (const c of this.cleanups.splice(0)) c();
		this.services?.stop();
		this.services = null;
		this.servicesStarting = null;
		caseList.detach();
		directory.detach();
		connectivity.detach();
		this.dismissIncomingVerification();
		client?.stopClient();
		this.client = null;
		this.starting = null;
		this.encryption = null;
		this.keyHolder.clear();
		this.keyRestore.reset();
		this.password = null;
		return client;
	}

	/**
	 * The homeserver no longer accepts our token (session lifetime ended, or the
	 * device was removed). Its keys are useless now, so they go; unsent work in
	 * the outbox stays for the next sign-in of the same user.
	 */
	expire(): void {
		const session = this.session;
		const client = this.stopAll();
		this.session = null;
		if (typeof localStorage !== 'undefined') localStorage.removeItem(SESSION_KEY);
		void client?.clearStores().catch(() => undefined);
		if (session) void deleteDatabases(session.userId);
		this.status = 'expired';
	}

	/** Pending sends that signing out would throw away. */
	get unsentCount(): number {
		return this.services?.outbox.pending().length ?? 0;
	}

	/** Signs out on the server and erases keys, cached case data and unsent work on this device. */
	async signOut(): Promise<void> {
		const session = this.session;
		const client = this.stopAll();
		if (session) await logout(session);
		await client?.clearStores().catch(() => undefined);
		if (session) await deleteDatabases(session.userId);
		clearLocalData();
		notices.clear();
		this.session = null;
		this.status = 'signed-out';
	}
}

/**
 * The SDK keeps unsent events (as ciphertext) in localStorage and restores them
 * after a reload, holding on to their transaction IDs. The outbox already keeps
 * every unsent update (and sends it again with the same transaction ID, so the
 * homeserver still deduplicates), so the SDK's copies only get in the way.
 */
function forgetSdkPendingEvents(): void {
	if (typeof localStorage === 'undefined') return;
	for (const key of Object.keys(localStorage)) if (key.startsWith('mx_pending_events_')) localStorage.removeItem(key);
}

/** Everything this app keeps in web storage except the chosen language. */
function clearLocalData(): void {
	if (typeof localStorage === 'undefined') return;
	for (const key of Object.keys(localStorage)) {
		if (key === LOCALE_KEY) continue;
		if (key.startsWith('casusruimte') || key.startsWith('mx') || key.startsWith('matrix')) localStorage.removeItem(key);
	}
	sessionStorage.clear();
}

function dropSyncCache(userId: string, name: (userId: string) => string): void {
	if (typeof indexedDB !== 'undefined') indexedDB.deleteDatabase(name(userId));
}

async function deleteDatabases(userId: string): Promise<void> {
	if (typeof indexedDB === 'undefined' || !indexedDB.databases) return;
	const all = await indexedDB.databases();
	await Promise.all(
		all
			.filter(
				(db) =>
					db.name &&
					(db.name.includes(userId) || db.name.startsWith('casusruimte') || db.name.startsWith('matrix-js-sdk'))
			)
			.map(
				(db) =>
					new Promise<void>((resolve) => {
						const req = indexedDB.deleteDatabase(db.name!);
						req.onsuccess = req.onerror = req.onblocked = () => resolve();
					})
			)
	);
}

export const app = new AppState();
