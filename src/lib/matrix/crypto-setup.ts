/**
 * End-to-end encryption set-up for a professional's account and devices.
 *
 * First run on an account: cross-signing keys, secret storage protected by a
 * recovery key (shown once to the user), and server-side key backup. A new
 * device: verified with the recovery key, which unlocks the cross-signing keys
 * (so the device gets cross-signed) and the key backup (so it can read the
 * history it needs).
 *
 * Device isolation: case rooms only share keys with, and only trust, devices that
 * their owner has cross-signed (OnlySignedDevicesIsolationMode). A stolen
 * password alone then yields a device that receives nothing, and an attacker
 * cannot slip an unverified device into a case.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import type { GeneratedSecretStorageKey } from 'matrix-js-sdk/lib/crypto-api/index.js';

/** Holds the secret-storage key while it is needed; handed to createClient's cryptoCallbacks. */
export class SecretStorageKeyHolder {
	private key: Uint8Array | null = null;
	set(key: Uint8Array | null): void {
		this.key = key;
	}
	clear(): void {
		this.key?.fill(0);
		this.key = null;
	}
	callbacks() {
		return {
			getSecretStorageKey: async ({
				keys
			}: {
				keys: Record<string, unknown>;
			}): Promise<[string, Uint8Array<ArrayBuffer>] | null> => {
				const keyId = Object.keys(keys)[0];
				if (!keyId || !this.key) return null;
				return [keyId, new Uint8Array(this.key) as Uint8Array<ArrayBuffer>];
			},
			cacheSecretStorageKey: (_keyId: string, _info: unknown, key: Uint8Array) => {
				this.key = new Uint8Array(key);
			}
		};
	}
}

export interface EncryptionStatus {
	/** This account has cross-signing keys on the server. */
	accountSetUp: boolean;
	/** This device is cross-signed by its owner. */
	deviceVerified: boolean;
	/** Keys are being backed up on the server. */
	backupActive: boolean;
}

export async function encryptionStatus(client: MatrixClient): Promise<EncryptionStatus> {
	const crypto = client.getCrypto();
	if (!crypto) return { accountSetUp: false, deviceVerified: false, backupActive: false };
	const userId = client.getSafeUserId();
	const [hasKeys, deviceStatus, backup] = await Promise.all([
		crypto.userHasCrossSigningKeys(userId, true),
		crypto.getDeviceVerificationStatus(userId, client.getDeviceId()!),
		crypto.getActiveSessionBackupVersion()
	]);
	return {
		accountSetUp: hasKeys,
		deviceVerified: deviceStatus?.crossSigningVerified ?? false,
		backupActive: backup !== null
	};
}

/** Case rooms trust only cross-signed devices (see the module comment for why). */
export async function applyDeviceIsolation(client: MatrixClient): Promise<void> {
	const { OnlySignedDevicesIsolationMode } = await import('matrix-js-sdk/lib/crypto-api/index.js');
	client.getCrypto()?.setDeviceIsolationMode(new OnlySignedDevicesIsolationMode());
}

/**
 * First-run set-up for an account: returns the recovery key to show the user once.
 * The password authorises uploading the cross-signing keys (user-interactive auth).
 */
export async function setUpEncryption(
	client: MatrixClient,
	holder: SecretStorageKeyHolder,
	password: string
): Promise<string> {
	const crypto = client.getCrypto();
	if (!crypto) throw new Error('crypto is not initialised');
	const userId = client.getSafeUserId();
	await crypto.bootstrapCrossSigning({
		setupNewCrossSigning: true,
		authUploadDeviceSigningKeys: async (makeRequest) => {
			await makeRequest({ type: 'm.login.password', identifier: { type: 'm.id.user', user: userId }, password });
		}
	});
	let generated: GeneratedSecretStorageKey | undefined;
	await crypto.bootstrapSecretStorage({
		setupNewSecretStorage: true,
		setupNewKeyBackup: true,
		createSecretStorageKey: async () => {
			generated = await crypto.createRecoveryKeyFromPassphrase();
			holder.set(generated.privateKey);
			return generated;
		}
	});
	if (!generated?.encodedPrivateKey) throw new Error('no recovery key was generated');
	return generated.encodedPrivateKey;
}

export class WrongRecoveryKeyError extends Error {
	override name = 'WrongRecoveryKeyError';
}

/**
 * Verifies this (new) device with the recovery key: cross-signs it and takes the
 * server-side key backup's private key from secret storage.
 *
 * It does not turn the backup on nor download it: that is `restoreFromKeyBackup`, which the app runs in
 * the background once the case list is syncing (a member of many cases has a room key
 * for every record of every case; the list needs none of them, README "The case list at
 * scale"). Events that arrive before their key stay undecrypted until the key is
 * imported; the SDK then decrypts them again by itself (`MatrixEventEvent.Decrypted`).
 */
export async function verifyWithRecoveryKey(
	client: MatrixClient,
	holder: SecretStorageKeyHolder,
	recoveryKey: string
): Promise<void> {
	const crypto = client.getCrypto();
	if (!crypto) throw new Error('crypto is not initialised');
	const { decodeRecoveryKey } = await import('matrix-js-sdk/lib/crypto-api/index.js');
	let key: Uint8Array;
	try {
		key = decodeRecoveryKey(recoveryKey.trim());
	} catch {
		throw new WrongRecoveryKeyError('This is not a valid recovery key.');
	}
	const keyId = await client.secretStorage.getDefaultKeyId();
	const info = keyId ? await client.secretStorage.getKey(keyId) : null;
	if (!keyId || !info || !(await client.secretStorage.checkKey(key, info[1]))) {
		throw new WrongRecoveryKeyError('This recovery key does not belong to this account.');
	}
	holder.set(key);
	// The private keys can only be imported once this device knows the account's public identity.
	const me = client.getSafeUserId();
	await crypto.getUserDeviceInfo([me], true);
	// Imports the cross-signing keys from secret storage and signs this device with them.
	try {
		await crypto.bootstrapCrossSigning({});
	} catch {
		// The identity this device holds may not be downloaded yet (the device list is fetched in
		// the background as the sync starts): fetch it now and import once more.
		await crypto.userHasCrossSigningKeys(me, true);
		await crypto.bootstrapCrossSigning({});
	}
	await crypto.loadSessionBackupPrivateKeyFromSecretStorage();
}

/**
 * Turns the server-side key backup on for this device (it then backs up its own room
 * keys, including those of sessions it started before, and the SDK fetches a missing key
 * from the backup when an event needs it) and downloads the backup's room keys into the
 * crypto store (after `verifyWithRecoveryKey` or a verification by another device, which
 * both leave the backup's private key on this device). Events waiting for one of these
 * keys are decrypted again by the SDK as the keys are imported.
 */
export async function restoreFromKeyBackup(client: MatrixClient): Promise<{ restoredKeys: number }> {
	const crypto = client.getCrypto();
	if (!crypto) throw new Error('crypto is not initialised');
	await crypto.checkKeyBackupAndEnable();
	if (!(await crypto.getSessionBackupPrivateKey())) return { restoredKeys: 0 };
	const result = await crypto.restoreKeyBackup();
	return { restoredKeys: result.imported };
}
