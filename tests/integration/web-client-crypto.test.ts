/**
 * The web client's additions to the Matrix layer, against a real Synapse with
 * real Rust crypto:
 *  - a new device verified by another signed-in device (SAS emoji), which then
 *    reads the history it needs from the key backup;
 *  - the inviter's client re-sharing a case's history with someone who was
 *    invited before they had any device, once they join;
 *  - the outbox resending a failed record with the same transaction ID, so it
 *    arrives exactly once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CryptoEvent } from 'matrix-js-sdk/lib/crypto-api/index.js';
import type { VerificationRequest } from 'matrix-js-sdk/lib/crypto-api/verification.js';
import { member, startDevice, stopAllDevices, eventually } from '../support/matrix-clients.ts';
import { createUser } from '../support/harness.ts';
import { openCase } from '../support/cases.ts';
import { intakeInput, updateInput } from '../support/sample-records.ts';
import { recordIntake, inviteMember, postUpdate } from '../../src/lib/case/commands.ts';
import { DeviceVerification, completeNewDeviceVerification } from '../../src/lib/matrix/device-verification.ts';
import { HistoryResharer } from '../../src/lib/matrix/history-sharing.ts';
import { encryptionStatus } from '../../src/lib/matrix/crypto-setup.ts';

afterAll(stopAllDevices);

describe('device verification with another device (SAS)', () => {
	it('a new device compares emoji with a verified one and ends up cross-signed with the backup', async () => {
		const first = await member('SHN');
		const { roomId } = await openCase(first.user, { access: [{ org: 'SHN', basis: 'consent' }] });
		const s = await first.openSession(roomId);
		await s.execute(recordIntake(s.view, first.user.userId, s.context(), intakeInput('SAS-HISTORY', 'SHN')));

		const second = await startDevice(first.user, { firstDevice: false });
		expect((await encryptionStatus(second.client)).deviceVerified).toBe(false);

		const incoming = new Promise<DeviceVerification>((resolve) =>
			first.client.on(CryptoEvent.VerificationRequestReceived, (r: VerificationRequest) =>
				resolve(DeviceVerification.incoming(r))
			)
		);
		const asking = await DeviceVerification.requestFromOtherDevice(second.client);
		const answering = await incoming;
		expect(answering.stage).toBe('incoming');
		await answering.accept();
		await eventually(() => asking.stage === 'compare' && answering.stage === 'compare', {
			message: 'both sides show the emoji'
		});
		expect(asking.emoji).toHaveLength(7);
		expect(asking.emoji.map((e) => e.name)).toEqual(answering.emoji.map((e) => e.name));
		await Promise.all([asking.confirm(), answering.confirm()]);
		await eventually(() => asking.stage === 'done' && answering.stage === 'done', { message: 'both sides done' });

		expect(await completeNewDeviceVerification(second.client)).toBe(true);
		const status = await encryptionStatus(second.client);
		expect(status.deviceVerified).toBe(true);
		// The backup key arrived as a secret from the first device: the history is readable.
		const s2 = await second.openSession(roomId);
		await eventually(
			async () => {
				if (s2.view.person?.name === 'Naam SAS-HISTORY') return true;
				await second.client
					.getCrypto()!
					.restoreKeyBackup()
					.catch(() => undefined);
				return false;
			},
			{ timeout: 40_000, interval: 1000, message: 'the new device reads the intake' }
		);
	});

	it('a mismatch stops the verification on both sides', async () => {
		const first = await member('CSG');
		const second = await startDevice(first.user, { firstDevice: false });
		const incoming = new Promise<DeviceVerification>((resolve) =>
			first.client.on(CryptoEvent.VerificationRequestReceived, (r: VerificationRequest) =>
				resolve(DeviceVerification.incoming(r))
			)
		);
		const asking = await DeviceVerification.requestFromOtherDevice(second.client);
		const answering = await incoming;
		await answering.accept();
		await eventually(() => asking.stage === 'compare' && answering.stage === 'compare');
		answering.mismatch();
		await eventually(() => asking.stage === 'cancelled', { message: 'the asking side learns it was refused' });
		expect(answering.stage).toBe('cancelled');
		expect((await encryptionStatus(second.client)).deviceVerified).toBe(false);
	});
});

describe('history for someone invited before they had a device', () => {
	it("the inviter's client shares the history again when they join", async () => {
		const opener = await member('CSG');
		new HistoryResharer(opener.client).start();
		const newcomer = await createUser('VT'); // provisioned, never signed in with encryption
		const { roomId } = await openCase(opener.user);
		const s = await opener.openSession(roomId);
		await s.execute(recordIntake(s.view, opener.user.userId, s.context(), intakeInput('LATE-DEVICE')));
		await s.execute(
			inviteMember(s.view, opener.user.userId, s.context(), { userId: newcomer.userId, reason: 'mdt-triage' })
		);

		// Only now does the newcomer get a device with keys, and join.
		const device = await startDevice(newcomer);
		await eventually(() => device.client.getRoom(roomId)?.getMyMembership() === 'invite', {
			message: 'the invite arrives'
		});
		await device.client.joinRoom(roomId);
		const view = await device.openSession(roomId);
		await eventually(() => view.view.person?.name === 'Naam LATE-DEVICE', {
			timeout: 30_000,
			message: 'the newcomer reads the intake'
		});
		expect(view.view.flagged.filter((f) => f.kind === 'undecryptable')).toEqual([]);
	});
});

describe('outbox', () => {
	it('a record whose first attempt failed is resent with the same transaction ID and arrives once', async () => {
		const regiehouder = await member('CSG');
		const reader = await member('VT');
		const { roomId } = await openCase(regiehouder.user);
		const s = await regiehouder.openSession(roomId);
		await s.execute(
			inviteMember(s.view, regiehouder.user.userId, s.context(), {
				userId: reader.user.userId,
				reason: 'mdt-triage'
			})
		);
		await eventually(() => reader.client.getRoom(roomId)?.getMyMembership() === 'invite');
		await reader.client.joinRoom(roomId);

		// The homeserver refuses the first send (as a network failure would end it), then accepts.
		const http = regiehouder.client.http as unknown as { opts: { fetchFn?: typeof fetch } };
		const realFetch = http.opts.fetchFn ?? globalThis.fetch;
		let failures = 0;
		http.opts.fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
			if (failures === 0 && /\/send\/m\.room\.encrypted\//.test(String(input))) {
				failures++;
				throw new TypeError('fetch failed');
			}
			return realFetch(input, init);
		}) as typeof fetch;
		try {
			const group = await s.execute(postUpdate(s.view, regiehouder.user.userId, s.context(), updateInput('ONCE')), {
				wait: false
			});
			await regiehouder.outbox.settled(group);
		} finally {
			http.opts.fetchFn = realFetch;
		}
		expect(failures).toBe(1);
		const r = await reader.openSession(roomId);
		await eventually(() => r.view.updates.length === 1, { message: 'the reader sees the update' });
		await new Promise((resolve) => setTimeout(resolve, 1500));
		expect(r.view.updates).toHaveLength(1);
		expect(regiehouder.outbox.pending(roomId)).toEqual([]);
	});
});
