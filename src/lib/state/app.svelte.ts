/**
 * The signed-in session and its Matrix client, as Svelte 5 state.
 * Pages read `app`; only this module starts or stops the client.
 */
import type { MatrixClient, HttpApiEvent } from 'matrix-js-sdk';
import { env } from '$env/dynamic/public';
import { loadSession, saveSession, passwordLogin, logout, type Session } from '../matrix/session.ts';
import { createMatrixClient, startSyncing, cryptoDatabasePrefix } from '../matrix/client.ts';

export type AppStatus = 'signed-out' | 'starting' | 'ready' | 'expired' | 'error';

export function homeserverUrl(): string {
	return env.PUBLIC_HOMESERVER_URL || 'http://localhost:8008';
}

class AppState {
	session = $state<Session | null>(null);
	client = $state.raw<MatrixClient | null>(null);
	status = $state<AppStatus>('signed-out');
	error = $state<string | null>(null);
	private starting: Promise<void> | null = null;

	constructor() {
		if (typeof localStorage !== 'undefined') this.session = loadSession();
	}

	get signedIn(): boolean {
		return this.session !== null;
	}

	async signIn(username: string, password: string): Promise<void> {
		const session = await passwordLogin(homeserverUrl(), username, password);
		saveSession(session);
		this.session = session;
		this.status = 'signed-out';
	}

	/** Starts the Matrix client for the stored session (once). */
	ensureStarted(): Promise<void> {
		if (!this.session) return Promise.reject(new Error('not signed in'));
		this.starting ??= this.start(this.session);
		return this.starting;
	}

	private async start(session: Session): Promise<void> {
		this.status = 'starting';
		try {
			const client = await createMatrixClient(session, { persistent: true });
			// matrix-js-sdk emits this when the homeserver says our token is no longer valid.
			client.on('Session.logged_out' as HttpApiEvent.SessionLoggedOut, () => this.expire());
			await startSyncing(client);
			this.client = client;
			this.status = 'ready';
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

	/** The homeserver no longer accepts our token. */
	expire(): void {
		this.client?.stopClient();
		this.client = null;
		this.session = null;
		this.starting = null;
		localStorage.removeItem('casusruimte.session');
		this.status = 'expired';
	}

	/** Signs out on the server and erases keys and cached case data on this device. */
	async signOut(): Promise<void> {
		const session = this.session;
		const client = this.client;
		client?.stopClient();
		if (session) await logout(session);
		await client?.clearStores().catch(() => undefined);
		if (session) await deleteDatabases(session.userId);
		this.client = null;
		this.session = null;
		this.starting = null;
		this.status = 'signed-out';
	}
}

async function deleteDatabases(userId: string): Promise<void> {
	if (typeof indexedDB === 'undefined' || !indexedDB.databases) return;
	const prefix = cryptoDatabasePrefix(userId);
	const all = await indexedDB.databases();
	await Promise.all(
		all
			.filter((db) => db.name && (db.name.startsWith(prefix) || db.name.startsWith('casusruimte')))
			.map((db) => new Promise<void>((resolve) => {
				const req = indexedDB.deleteDatabase(db.name!);
				req.onsuccess = req.onerror = req.onblocked = () => resolve();
			}))
	);
}

export const app = new AppState();
