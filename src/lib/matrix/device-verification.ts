/**
 * Verifying a new device with one of my other, already verified devices, by
 * comparing seven emoji (SAS, m.sas.v1) on both screens.
 *
 * The new device asks (requestOwnUserVerification); the other device accepts;
 * the new device starts SAS; both show the same emoji and the person confirms on
 * both. The verified device then cross-signs the new one and sends it the
 * cross-signing and key-backup secrets over Olm (the Rust crypto does that by
 * itself), so the new device can read the history it needs from the backup.
 *
 * One class drives both sides; the UI only reads `stage` and `emoji` and calls
 * accept/confirm/mismatch/cancel.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import type { ShowSasCallbacks, VerificationRequest, Verifier } from 'matrix-js-sdk/lib/crypto-api/verification.js';

export type VerificationStage =
	/** Asked; waiting for the other device to answer. */
	| 'requested'
	/** Incoming: someone (my other device) asks; not yet accepted. */
	| 'incoming'
	/** Both sides agreed; emoji are being computed. */
	| 'starting'
	/** Compare the emoji and confirm. */
	| 'compare'
	/** Confirmed here; waiting for the other side. */
	| 'confirmed'
	| 'done'
	| 'cancelled';

export interface SasEmoji {
	symbol: string;
	/** The English name from the SAS specification (translate in the UI). */
	name: string;
}

const SAS = 'm.sas.v1';
/** VerificationPhase values (the enum lives in the SDK, which this module does not import eagerly). */
const PHASE = { Unsent: 1, Requested: 2, Ready: 3, Started: 4, Cancelled: 5, Done: 6 } as const;

export class DeviceVerification {
	stage: VerificationStage;
	emoji: SasEmoji[] = [];
	/** Why it stopped, when it was cancelled (the other side's code or ours). */
	cancelReason: string | null = null;
	private sas: ShowSasCallbacks | null = null;
	private verifier: Verifier | null = null;
	private starting = false;
	private listeners = new Set<() => void>();
	private readonly onChange = () => void this.update();

	private constructor(
		readonly request: VerificationRequest,
		incoming: boolean
	) {
		this.stage = incoming ? 'incoming' : 'requested';
		request.on('change' as never, this.onChange as never);
		void this.update();
	}

	/** On the new device: ask my other devices to verify this one. */
	static async requestFromOtherDevice(client: MatrixClient): Promise<DeviceVerification> {
		const crypto = client.getCrypto();
		if (!crypto) throw new Error('crypto is not initialised');
		return new DeviceVerification(await crypto.requestOwnUserVerification(), false);
	}

	/** On a verified device: a request that came in from my new device. */
	static incoming(request: VerificationRequest): DeviceVerification {
		return new DeviceVerification(request, true);
	}

	get otherDeviceId(): string | undefined {
		return this.request.otherDeviceId;
	}

	subscribe(listener: () => void): () => void {
		this.listeners.add(listener);
		return () => this.listeners.delete(listener);
	}

	async accept(): Promise<void> {
		if (this.stage !== 'incoming') return;
		this.stage = 'starting';
		this.emit();
		await this.request.accept();
	}

	/** The emoji are the same on both screens. */
	async confirm(): Promise<void> {
		if (!this.sas) return;
		this.stage = 'confirmed';
		this.emit();
		await this.sas.confirm();
	}

	/** The emoji differ: someone may be interfering. */
	mismatch(): void {
		this.sas?.mismatch();
		this.finish('cancelled', 'mismatch');
	}

	async cancel(): Promise<void> {
		if (this.stage === 'done' || this.stage === 'cancelled') return;
		this.finish('cancelled', 'user');
		try {
			if (this.verifier) this.verifier.cancel(new Error('cancelled by the user'));
			else await this.request.cancel();
		} catch {
			// already gone
		}
	}

	dispose(): void {
		this.request.off('change' as never, this.onChange as never);
		this.listeners.clear();
	}

	private async update(): Promise<void> {
		const { request } = this;
		if (this.stage === 'done' || this.stage === 'cancelled') return;
		switch (request.phase as number) {
			case PHASE.Cancelled:
				this.finish('cancelled', request.cancellationCode ?? 'cancelled');
				return;
			case PHASE.Done:
				this.finish('done');
				return;
			case PHASE.Ready:
				// The side that asked starts SAS once the other side is ready.
				if (request.initiatedByMe && !this.starting) {
					this.starting = true;
					this.stage = 'starting';
					this.emit();
					try {
						this.attach(await request.startVerification(SAS));
					} catch (err) {
						this.finish('cancelled', err instanceof Error ? err.message : String(err));
					}
				}
				return;
			case PHASE.Started:
				if (request.verifier) this.attach(request.verifier);
				return;
		}
	}

	private attach(verifier: Verifier): void {
		if (this.verifier) return;
		this.verifier = verifier;
		const show = (sas: ShowSasCallbacks) => {
			this.sas = sas;
			this.emoji = (sas.sas.emoji ?? []).map(([symbol, name]) => ({ symbol, name }));
			if (this.stage !== 'confirmed') this.stage = 'compare';
			this.emit();
		};
		verifier.on('show_sas' as never, show as never);
		verifier.on('cancel' as never, (() => this.finish('cancelled', 'cancelled')) as never);
		const existing = verifier.getShowSasCallbacks();
		if (existing) show(existing);
		verifier.verify().then(
			() => this.finish('done'),
			(err: unknown) => this.finish('cancelled', err instanceof Error ? err.message : String(err))
		);
	}

	private finish(stage: 'done' | 'cancelled', reason?: string): void {
		if (this.stage === 'done' || this.stage === 'cancelled') return;
		this.stage = stage;
		if (stage === 'cancelled') this.cancelReason = reason ?? null;
		this.emit();
	}

	private emit(): void {
		for (const l of this.listeners) l();
	}
}

/**
 * After a successful verification on the new device: wait until it is
 * cross-signed, then turn on key backup with the secret the other device sent.
 * The room keys themselves are fetched afterwards, in the background
 * (`restoreFromKeyBackup`, started by the app once the case list runs).
 */
export async function completeNewDeviceVerification(client: MatrixClient, timeoutMs = 30_000): Promise<boolean> {
	const crypto = client.getCrypto();
	if (!crypto) return false;
	const me = client.getSafeUserId();
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const status = await crypto.getDeviceVerificationStatus(me, client.getDeviceId()!);
		if (status?.crossSigningVerified) break;
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, 250));
	}
	try {
		// The backup key arrives as a gossiped secret; it may take a moment.
		for (let i = 0; i < 20; i++) {
			if (await crypto.getSessionBackupPrivateKey()) break;
			await new Promise((r) => setTimeout(r, 250));
		}
		await crypto.checkKeyBackupAndEnable();
	} catch {
		// Without the backup the device still works; older history may stay unreadable until it arrives.
	}
	return true;
}
