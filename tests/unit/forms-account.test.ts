import { describe, expect, it } from 'vitest';
import { SetupForm } from '../../src/lib/forms/setup.svelte.ts';
import { VerifyForm, recoveryKeyFromFile } from '../../src/lib/forms/verify.svelte.ts';
import type { DeviceVerification } from '../../src/lib/matrix/device-verification.ts';

const KEY = 'EsTc abcd efgh ijkl mnop qrst uvwx yzAB CDEF GHIJ KLMN OPQR';

describe('the setup form', () => {
	it('asks for the password only when it is not in memory, and reports a wrong one', async () => {
		const calls: (string | undefined)[] = [];
		const m = new SetupForm({
			hasPassword: false,
			async setUpEncryption(pw) {
				calls.push(pw);
				throw Object.assign(new Error('no'), { httpStatus: 401 });
			},
			finishSetup: async () => undefined
		});
		expect(m.canStart).toBe(false);
		m.password = 'geheim';
		expect(m.canStart).toBe(true);
		await m.setUp();
		expect(calls).toEqual(['geheim']);
		expect(m.error).toBe('setup.wrongPassword');
		expect(m.busy).toBe(false);
	});

	it('shows the key, and finishes only once the person confirms it is stored', async () => {
		let finished = false;
		const m = new SetupForm({
			hasPassword: true,
			setUpEncryption: async (pw) => (pw === undefined ? KEY : 'wrong'),
			finishSetup: async () => void (finished = true)
		});
		await m.setUp();
		expect(m.recoveryKey).toBe(KEY);
		expect(await m.done()).toBe(false);
		expect(m.storedError).toBe(true);
		m.stored = true;
		expect(await m.done()).toBe(true);
		expect(finished).toBe(true);
		expect(m.recoveryKey).toBeNull();
	});
});

describe('the verify form', () => {
	const deps = (over: Partial<ConstructorParameters<typeof VerifyForm>[0]> = {}) => ({
		verifyWithRecoveryKey: async () => 1,
		requestVerificationFromOtherDevice: async () => ({ dispose() {} }) as unknown as DeviceVerification,
		completeOtherDeviceVerification: async () => true,
		...over
	});

	it('reads the key from the downloaded file, or takes the whole text', () => {
		expect(recoveryKeyFromFile(`Herstelsleutel van @a:hs\n\n${KEY}\n`)).toBe(KEY);
		expect(recoveryKeyFromFile('  iets anders  ')).toBe('iets anders');
	});

	it('asks for a key, and tells a wrong key from a failure', async () => {
		const m = new VerifyForm(
			deps({
				verifyWithRecoveryKey: async () => {
					throw Object.assign(new Error('x'), { name: 'WrongRecoveryKeyError' });
				}
			})
		);
		await m.withKey();
		expect(m.error).toBe('verify.keyRequired');
		m.key = KEY;
		await m.withKey();
		expect(m.error).toBe('verify.wrongKey');
		const ok = new VerifyForm(deps());
		ok.key = KEY;
		await ok.withKey();
		expect(ok.error).toBeNull();
		expect(ok.key).toBe('');
	});

	it('verifies with another device, and says so when this device did not get signed', async () => {
		const m = new VerifyForm(deps({ completeOtherDeviceVerification: async () => false }));
		await m.withDevice();
		expect(m.verification).not.toBeNull();
		expect(await m.deviceDone()).toBe(false);
		expect(m.error).toBe('verify.notSigned');
		expect(m.finished).toBe(true);
	});
});
