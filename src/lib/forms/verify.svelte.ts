/**
 * A new device of an account that is already set up: verify it with the
 * recovery key (typed or from the downloaded file) or with another device.
 * Errors are i18n keys (verify.*).
 */
import type { DeviceVerification } from '../matrix/device-verification.ts';

export interface VerifyDeps {
	verifyWithRecoveryKey(key: string): Promise<unknown>;
	requestVerificationFromOtherDevice(): Promise<DeviceVerification>;
	completeOtherDeviceVerification(): Promise<boolean>;
}

/** A recovery key as the setup page shows it and writes it to the downloaded file. */
const RECOVERY_KEY_LINE = /^E[st][A-Za-z0-9]{2}( [A-Za-z0-9]{4}){11}$/;

/** The recovery key out of the downloaded file (an explanation, then the key on a line of its own). */
export function recoveryKeyFromFile(text: string): string {
	const line = text
		.split('\n')
		.map((l) => l.trim())
		.find((l) => RECOVERY_KEY_LINE.test(l));
	return line ?? text.trim();
}

export class VerifyForm {
	key = $state('');
	busy = $state(false);
	error = $state<string | null>(null);
	verification = $state.raw<DeviceVerification | null>(null);
	finishing = $state(false);
	finished = $state(false);
	cancelled = $state(false);

	constructor(private readonly deps: VerifyDeps) {}

	async withKey(): Promise<void> {
		this.error = null;
		if (!this.key.trim()) {
			this.error = 'verify.keyRequired';
			return;
		}
		this.busy = true;
		try {
			await this.deps.verifyWithRecoveryKey(this.key);
			this.key = '';
		} catch (err) {
			this.error = (err as Error)?.name === 'WrongRecoveryKeyError' ? 'verify.wrongKey' : 'verify.failed';
		} finally {
			this.busy = false;
		}
	}

	async withDevice(): Promise<void> {
		this.error = null;
		try {
			this.verification?.dispose();
			this.cancelled = false;
			this.verification = await this.deps.requestVerificationFromOtherDevice();
		} catch {
			this.error = 'verify.failed';
		}
	}

	/** After the emoji compare: true when this device is now cross-signed. */
	async deviceDone(): Promise<boolean> {
		this.finishing = true;
		const ok = await this.deps.completeOtherDeviceVerification();
		this.finished = true;
		if (!ok) this.error = 'verify.notSigned';
		this.finishing = false;
		return ok;
	}
}
