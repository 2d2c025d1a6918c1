/**
 * Creating a matrix-js-sdk client with its Rust crypto, in the browser
 * (IndexedDB) and in Node (in memory). The SDK is imported dynamically so the
 * sign-in page does not pay for it or for the crypto wasm.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import type { Session } from './session.ts';
import { applyDeviceIsolation, SecretStorageKeyHolder } from './crypto-setup.ts';

export interface ClientOptions {
	/** Browser: keep crypto state (and its keys) in IndexedDB. Node: false. */
	persistent: boolean;
	keyHolder?: SecretStorageKeyHolder;
	/**
	 * Browser with classic sync only: keep the sync cache in IndexedDB too. With
	 * sliding sync (the default of the app) there is no classic sync to cache.
	 */
	syncCache?: boolean;
}

export async function createMatrixClient(session: Session, options: ClientOptions): Promise<MatrixClient> {
	const sdk = await import('matrix-js-sdk');
	let store;
	if (options.persistent && options.syncCache && typeof indexedDB !== 'undefined') {
		// A warm start shows the case list from the cached sync before the network answers.
		store = new sdk.IndexedDBStore({
			indexedDB,
			dbName: syncDatabaseName(session.userId),
			localStorage: globalThis.localStorage
		});
		await store.startup();
	}
	const client = sdk.createClient({
		baseUrl: session.homeserverUrl,
		userId: session.userId,
		deviceId: session.deviceId,
		accessToken: session.accessToken,
		timelineSupport: true,
		cryptoCallbacks: (options.keyHolder ?? new SecretStorageKeyHolder()).callbacks(),
		store
	});
	await client.initRustCrypto({
		useIndexedDB: options.persistent,
		cryptoDatabasePrefix: cryptoDatabasePrefix(session.userId)
	});
	await applyDeviceIsolation(client);
	sendCryptoRequestsNow(client);
	return client;
}

/**
 * Sends what the crypto has queued (a new device's `keys/upload`, the own
 * identity's `keys/query`) now, beside the first sync request, instead of after
 * the first sync response, where matrix-js-sdk starts its outgoing-request loop.
 * A new device's verification waits for both (README, "The case list at scale",
 * point 5), so a cold start gains that round trip. The loop is the SDK's own
 * (`onSyncCompleted` only starts it; it sends one request at a time and retries
 * after the next sync), so calling it early changes when, not what, is sent.
 */
export function sendCryptoRequestsNow(client: MatrixClient): void {
	const backend = client.getCrypto() as unknown as { onSyncCompleted?: (data: object) => void } | undefined;
	backend?.onSyncCompleted?.({});
}

export function cryptoDatabasePrefix(userId: string): string {
	return `casusruimte-crypto:${userId}`;
}

export function syncDatabaseName(userId: string): string {
	return `casusruimte-sync:${userId}`;
}

export interface SyncOptions {
	initialSyncLimit?: number;
	/**
	 * Simplified sliding sync (MSC4186, sliding.ts): the case list in pages, a
	 * room's timeline on demand. Classic /sync otherwise (and when the server
	 * does not offer it).
	 */
	sliding?: boolean;
	/** The answer of `offersSlidingSync` (sliding.ts), when it was asked earlier; asked here otherwise. */
	slidingOffered?: Promise<boolean>;
}

/**
 * Starts syncing and resolves once the first sync (cached or live) has been
 * processed; with sliding sync, once the first page (the first screen of cases,
 * the invitations, the directory and the boards) has. Returns which way it syncs.
 */
export async function startSyncing(client: MatrixClient, opts: SyncOptions = {}): Promise<'sliding' | 'classic'> {
	const { ClientEvent, SyncState, PendingEventOrdering } = await import('matrix-js-sdk');
	let slidingSync;
	if (opts.sliding) {
		const { CaseSync, offersSlidingSync, registerCaseSync } = await import('./sliding.ts');
		const offered =
			opts.slidingOffered ?? offersSlidingSync({ baseUrl: client.baseUrl, accessToken: client.getAccessToken() });
		if (await offered) {
			const caseSync = new CaseSync(client);
			registerCaseSync(client, caseSync);
			slidingSync = caseSync.sync;
		}
	}
	const ready = new Promise<void>((resolve, reject) => {
		const onSync = (state: string, _prev: string | null, data?: { error?: Error }) => {
			if (state === SyncState.Prepared || state === SyncState.Syncing) {
				client.off(ClientEvent.Sync, onSync);
				resolve();
			} else if (
				state === SyncState.Error &&
				data?.error &&
				'errcode' in data.error &&
				data.error.errcode === 'M_UNKNOWN_TOKEN'
			) {
				client.off(ClientEvent.Sync, onSync);
				reject(data.error);
			}
		};
		client.on(ClientEvent.Sync, onSync);
	});
	await client.startClient({
		lazyLoadMembers: true,
		initialSyncLimit: opts.initialSyncLimit ?? 20,
		// Our own outbox shows pending records; the SDK's echoes stay out of the live timeline.
		pendingEventOrdering: PendingEventOrdering.Detached,
		slidingSync
	});
	await ready;
	// casusruimte has no calls: the SDK's MatrixRTC session manager (started on the first sync)
	// would look at every room as it arrives, half a second of the 2,000-room cold start.
	client.matrixRTC.stop();
	return slidingSync ? 'sliding' : 'classic';
}
