/**
 * The room keys of the server-side key backup, downloaded in the background once a
 * new device is verified. The case list does not wait for them: it needs none (its rows
 * are plaintext state), and a member of many cases has a key for every record of every
 * case (README, "The case list at scale"). A case opened meanwhile shows what this
 * device can already read; the rest is decrypted by the SDK as the keys are imported,
 * and the case page says that keys are still arriving (`waitingForKeys`).
 *
 * A failed download is tried again a few times; after that the SDK still fetches a
 * missing key from the backup when an event needs it, so nothing is lost, only slower.
 */

export type KeyRestoreStatus = 'idle' | 'restoring' | 'done' | 'failed';

/** What a timeline entry tells about its decryption (`CaseView.timeline`). */
export interface DecryptionOf {
	kind: string;
	problem?: string;
}

/** Waits between the attempts after a failure: three more tries within a minute. */
export const RESTORE_RETRY_MS = [5_000, 15_000, 40_000];

/**
 * Which accounts on this browser still have a download to finish: set when one
 * starts, cleared when it completes, so a page closed (or reloaded) meanwhile
 * resumes it on the next start (`resume`). The browser keeps it in localStorage.
 */
export interface RestoreMarks {
	pending(userId: string): boolean;
	mark(userId: string, pending: boolean): void;
}

const RESTORE_PENDING_KEY = 'casusruimte.keyRestorePending';

/** The marks in localStorage (none where there is no localStorage: a download is then not resumed). */
export const localStorageMarks: RestoreMarks = {
	pending: (userId) =>
		typeof localStorage !== 'undefined' && localStorage.getItem(`${RESTORE_PENDING_KEY}:${userId}`) !== null,
	mark(userId, pending) {
		if (typeof localStorage === 'undefined') return;
		if (pending) localStorage.setItem(`${RESTORE_PENDING_KEY}:${userId}`, '1');
		else localStorage.removeItem(`${RESTORE_PENDING_KEY}:${userId}`);
	}
};

export class KeyRestore {
	status = $state<KeyRestoreStatus>('idle');
	/** Room keys imported by the last completed restore. */
	restoredKeys = $state(0);
	private generation = 0;
	private running: Promise<void> | null = null;

	constructor(
		private readonly retryMs: readonly number[] = RESTORE_RETRY_MS,
		private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
		private readonly marks: RestoreMarks = localStorageMarks
	) {}

	/**
	 * Starts the download (once per session; a second call returns the same run). With
	 * `userId`, the account is marked as having a download to finish until it completes.
	 */
	start(restore: () => Promise<{ restoredKeys: number }>, userId: string | null = null): Promise<void> {
		if (this.running) return this.running;
		const generation = ++this.generation;
		const current = () => generation === this.generation;
		this.status = 'restoring';
		if (userId) this.marks.mark(userId, true);
		this.running = (async () => {
			for (let attempt = 0; ; attempt++) {
				try {
					const { restoredKeys } = await restore();
					if (!current()) return;
					this.restoredKeys = restoredKeys;
					this.status = 'done';
					if (userId) this.marks.mark(userId, false);
					return;
				} catch {
					if (!current()) return;
					const wait = this.retryMs[attempt];
					if (wait === undefined) {
						this.status = 'failed';
						return;
					}
					await this.sleep(wait);
					if (!current()) return;
				}
			}
		})();
		return this.running;
	}

	/** The start of a verified device: the download an earlier page of this account left unfinished, if any. */
	resume(restore: () => Promise<{ restoredKeys: number }>, userId: string): Promise<void> | null {
		return this.marks.pending(userId) ? this.start(restore, userId) : null;
	}

	/** Signed out or the session ended: a run still going reports nothing any more. */
	reset(): void {
		this.generation++;
		this.running = null;
		this.status = 'idle';
		this.restoredKeys = 0;
	}

	/**
	 * Whether an open case should say that its keys are still arriving: the download runs
	 * and some of the case's events cannot be read yet.
	 */
	waitingForKeys(timeline: readonly DecryptionOf[]): boolean {
		return this.status === 'restoring' && timeline.some((e) => e.kind === 'undecryptable');
	}
}
