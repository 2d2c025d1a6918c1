/**
 * Connection state for the offline/reconnecting banner, and what is waiting in
 * the outbox. The sync loop reports the homeserver's reachability; the browser
 * reports its network; the outbox reports what has not gone out yet.
 */
import type { OutboxItem } from '../matrix/outbox.ts';
import type { Connectivity } from './runtime.ts';

interface OutboxLike {
	pending(roomId?: string): readonly OutboxItem[];
	subscribe(listener: () => void): () => void;
	retry(group: string): void;
	discard(group: string): void;
}

class ConnectivityState {
	sync = $state<Connectivity>('online');
	browserOnline = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
	/** Everything not yet sent, over all cases. */
	items = $state.raw<readonly OutboxItem[]>([]);
	private outbox: OutboxLike | null = null;
	private offOutbox: (() => void) | null = null;
	private onBack: (() => void) | null = null;

	constructor() {
		if (typeof window !== 'undefined') {
			window.addEventListener('online', () => {
				this.browserOnline = true;
				this.onBack?.();
			});
			window.addEventListener('offline', () => (this.browserOnline = false));
		}
	}

	get offline(): boolean {
		return !this.browserOnline || this.sync === 'offline';
	}

	get reconnecting(): boolean {
		return this.browserOnline && this.sync === 'reconnecting';
	}

	get waiting(): number {
		return this.items.filter((i) => i.status !== 'failed' && i.status !== 'blocked').length;
	}

	get failed(): readonly OutboxItem[] {
		return this.items.filter((i) => i.status === 'failed');
	}

	attach(outbox: OutboxLike, onBack: () => void): void {
		this.detach();
		this.outbox = outbox;
		this.onBack = onBack;
		this.items = outbox.pending();
		this.offOutbox = outbox.subscribe(() => (this.items = [...outbox.pending()]));
	}

	detach(): void {
		this.offOutbox?.();
		this.offOutbox = null;
		this.outbox = null;
		this.onBack = null;
		this.items = [];
		this.sync = 'online';
	}

	report(state: Connectivity): void {
		this.sync = state;
	}

	retry(group: string): void {
		this.outbox?.retry(group);
	}

	discard(group: string): void {
		this.outbox?.discard(group);
	}
}

export const connectivity = new ConnectivityState();
