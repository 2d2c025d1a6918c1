/**
 * First run on an account: set up cross-signing, key backup and the recovery
 * key, then confirm it is stored. The model holds the steps and their errors
 * (as i18n keys); the page shows them and does the clipboard and the download.
 */
export interface SetupDeps {
	/** Whether the password is still in memory from the sign-in (then it is not asked again). */
	readonly hasPassword: boolean;
	setUpEncryption(password?: string): Promise<string>;
	finishSetup(): Promise<void>;
}

export class SetupForm {
	password = $state('');
	busy = $state(false);
	/** An i18n key (setup.*) when setting up failed. */
	error = $state<string | null>(null);
	recoveryKey = $state<string | null>(null);
	stored = $state(false);
	storedError = $state(false);
	copied = $state(false);

	constructor(private readonly deps: SetupDeps) {}

	/** Whether the start button can be pressed. */
	get canStart(): boolean {
		return !this.busy && (this.deps.hasPassword || !!this.password);
	}

	async setUp(): Promise<void> {
		this.error = null;
		this.busy = true;
		try {
			this.recoveryKey = await this.deps.setUpEncryption(this.deps.hasPassword ? undefined : this.password);
			this.password = '';
		} catch (err) {
			const status = (err as { httpStatus?: number })?.httpStatus;
			this.error = status === 401 || status === 403 ? 'setup.wrongPassword' : 'setup.failed';
		} finally {
			this.busy = false;
		}
	}

	/** Finishes once the person confirms the key is stored; false (with the error shown) until then. */
	async done(): Promise<boolean> {
		if (!this.stored) {
			this.storedError = true;
			return false;
		}
		this.busy = true;
		await this.deps.finishSetup();
		this.recoveryKey = null;
		return true;
	}
}
