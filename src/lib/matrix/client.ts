/**
 * Creating a matrix-js-sdk client with its Rust crypto, in the browser
 * (IndexedDB) and in Node (in memory). The SDK is imported dynamically so the
 * sign-in page does not pay for it or for the crypto wasm.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import type { Session } from './session.ts';

export interface ClientOptions {
	/** Browser: keep crypto state (and its keys) in IndexedDB. Node: false. */
	persistent: boolean;
}

export async function createMatrixClient(session: Session, options: ClientOptions): Promise<MatrixClient> {
	const sdk = await import('matrix-js-sdk');
	const client = sdk.createClient({
		baseUrl: session.homeserverUrl,
		userId: session.userId,
		deviceId: session.deviceId,
		accessToken: session.accessToken,
		timelineSupport: true
	});
	await client.initRustCrypto({
		useIndexedDB: options.persistent,
		cryptoDatabasePrefix: cryptoDatabasePrefix(session.userId)
	});
	return client;
}

export function cryptoDatabasePrefix(userId: string): string {
	return `casusruimte-crypto:${userId}`;
}

/** Starts syncing and resolves once the first sync has been processed. */
export async function startSyncing(client: MatrixClient): Promise<void> {
	const { ClientEvent, SyncState } = await import('matrix-js-sdk');
	const ready = new Promise<void>((resolve, reject) => {
		const onSync = (state: string, _prev: string | null, data?: { error?: Error }) => {
			if (state === SyncState.Prepared || state === SyncState.Syncing) {
				client.off(ClientEvent.Sync, onSync);
				resolve();
			} else if (state === SyncState.Error && data?.error && 'errcode' in data.error && data.error.errcode === 'M_UNKNOWN_TOKEN') {
				client.off(ClientEvent.Sync, onSync);
				reject(data.error);
			}
		};
		client.on(ClientEvent.Sync, onSync);
	});
	await client.startClient({ lazyLoadMembers: true, initialSyncLimit: 30 });
	await ready;
}
