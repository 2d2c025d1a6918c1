/**
 * The outbox against a fake client (the Matrix side is covered by the
 * integration and hardening suites): order, persistence, retries and refusals.
 */
import { describe, expect, it, vi } from 'vitest';
import { Outbox, MemoryOutboxStore, classify, itemProblem, type CaseServerApi } from '../../src/lib/matrix/outbox.ts';
import { Refusal, refusal } from '../../src/lib/refusal.ts';

function fakeClient(script: (call: { kind: string; txnId?: string }) => void) {
	const calls: { kind: string; txnId?: string; type?: string }[] = [];
	const client = {
		// A room with no earlier attempts: nothing in its timeline, no unsent echo to resend.
		getRoom: () => ({
			getPendingEvents: () => [],
			getMember: () => null,
			getLiveTimeline: () => ({ getEvents: () => [] }),
			getEventForTxnId: () => undefined,
			hasEncryptionStateEvent: () => true
		}),
		cancelPendingEvent: () => undefined,
		sendEvent: vi.fn(async (_room: string, type: string, _content: unknown, txnId: string) => {
			const call = { kind: 'event', type, txnId };
			calls.push(call);
			script(call);
			return { event_id: `$${txnId}` };
		}),
		sendStateEvent: vi.fn(async (_room: string, type: string) => {
			const call = { kind: 'state', type };
			calls.push(call);
			script(call);
			return { event_id: '$s' };
		}),
		invite: vi.fn(async () => ({})),
		kick: vi.fn(async () => ({}))
	};
	return { client: client as never, calls };
}

const api: CaseServerApi = { createCase: async () => ({ roomId: '!r', reference: 'X' }), handover: async () => ({}) };
const record = (n: number) => ({ kind: 'record' as const, type: 'nl.casusruimte.update' as const, content: { n } });
const offline = Object.assign(new Error('fetch failed'), { name: 'ConnectionError' });

describe('outbox', () => {
	it('a held outbox (a device not yet verified) keeps what is queued and sends nothing until released', async () => {
		const { client, calls } = fakeClient(() => undefined);
		const store = new MemoryOutboxStore();
		const outbox = new Outbox(client, store, api, { held: true });
		const group = outbox.enqueue('!r', [record(1), record(2)]);
		outbox.wake();
		await outbox.pump();
		await new Promise((r) => setTimeout(r, 20));
		expect(calls).toEqual([]);
		expect(store.load().map((i) => i.status)).toEqual(['queued', 'queued']);
		// Released: the same items go out, in order.
		outbox.release();
		await outbox.settled(group);
		expect(calls.map((c) => c.kind)).toEqual(['event', 'event']);
		expect(outbox.pending()).toEqual([]);
	});

	it('sends a group in order and resolves', async () => {
		const { client, calls } = fakeClient(() => undefined);
		const outbox = new Outbox(client, new MemoryOutboxStore(), api);
		await outbox.send('!r', [record(1), { kind: 'state', type: 'nl.casusruimte.case', content: {} }, record(2)]);
		expect(calls.map((c) => c.kind)).toEqual(['event', 'state', 'event']);
		expect(outbox.pending()).toEqual([]);
	});

	it("a signal's re-triage request goes to the server after the record, once; a refusal fails the group", async () => {
		const { client, calls } = fakeClient(() => undefined);
		const asked: string[] = [];
		const withRetriage: CaseServerApi = { ...api, retriage: async (roomId) => void asked.push(roomId) };
		const outbox = new Outbox(client, new MemoryOutboxStore(), withRetriage);
		await outbox.send('!r', [record(1), { kind: 'retriage' }]);
		expect(calls.map((c) => c.kind)).toEqual(['event']);
		expect(asked).toEqual(['!r']);
		const refusing: CaseServerApi = {
			...api,
			retriage: async () => {
				throw new Refusal('not-member', { nl: 'Geen lid.', en: 'Not a member.' });
			}
		};
		const refused = new Outbox(fakeClient(() => undefined).client, new MemoryOutboxStore(), refusing);
		await expect(refused.send('!r', [{ kind: 'retriage' }])).rejects.toThrow();
		expect(refused.pending().map((i) => i.status)).toEqual(['failed']);
	});

	it('a reopening goes to the server before the record of why; once the case is open again it is not asked twice', async () => {
		const asked: string[] = [];
		const withReopen: CaseServerApi = { ...api, reopen: async (roomId) => void asked.push(roomId) };
		const closed = fakeClient(() => undefined);
		const outbox = new Outbox(closed.client, new MemoryOutboxStore(), withReopen);
		const why = { kind: 'record' as const, type: 'nl.casusruimte.reopen' as const, content: { reason: 'relapse' } };
		await outbox.send('!r', [{ kind: 'reopen' }, why]);
		expect(asked).toEqual(['!r']);
		expect(closed.calls.map((c) => c.type)).toEqual(['nl.casusruimte.reopen']);
		// a retry after a lost answer: the room already shows the case open, so only the record goes
		const { client, calls } = fakeClient(() => undefined);
		const open = client as unknown as { getRoom: () => Record<string, unknown> };
		const base = open.getRoom();
		open.getRoom = () => ({
			...base,
			currentState: { getStateEvents: () => ({ getContent: () => ({ phase: 'regie' }) }) }
		});
		await new Outbox(client, new MemoryOutboxStore(), withReopen).send('!r', [{ kind: 'reopen' }, why]);
		expect(asked).toEqual(['!r']);
		expect(calls.map((c) => c.type)).toEqual(['nl.casusruimte.reopen']);
		// refused by the server: the record of why does not go
		const refusing: CaseServerApi = {
			...api,
			reopen: async () => {
				throw new Refusal('not-allowed', { nl: 'Niet toegestaan.', en: 'Not allowed.' });
			}
		};
		const refusedClient = fakeClient(() => undefined);
		const refused = new Outbox(refusedClient.client, new MemoryOutboxStore(), refusing);
		await expect(refused.send('!r', [{ kind: 'reopen' }, why])).rejects.toThrow();
		expect(refusedClient.calls).toEqual([]);
	});

	it('retries transient failures with the same transaction ID, keeping order', async () => {
		let failures = 2;
		const { client, calls } = fakeClient((call) => {
			if (call.kind === 'event' && failures > 0) {
				failures--;
				throw offline;
			}
		});
		const outbox = new Outbox(client, new MemoryOutboxStore(), api);
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		try {
			const done = outbox.send('!r', [record(1), record(2)]);
			await vi.advanceTimersByTimeAsync(10_000);
			await done;
		} finally {
			vi.useRealTimers();
		}
		const txns = calls.map((c) => c.txnId);
		expect(txns[0]).toBe(txns[1]);
		expect(txns[1]).toBe(txns[2]);
		expect(new Set(txns).size).toBe(2);
	});

	it('never sends a record or message to a room this device does not know to be encrypted; sends once it does', async () => {
		const { client, calls } = fakeClient(() => undefined);
		const c = client as unknown as { getRoom: () => Record<string, unknown> };
		const base = c.getRoom();
		let encrypted = false;
		c.getRoom = () => ({ ...base, hasEncryptionStateEvent: () => encrypted });
		const outbox = new Outbox(client, new MemoryOutboxStore(), api);
		vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
		try {
			const done = outbox.send('!r', [record(1), { kind: 'message', text: 'hallo' }]);
			await vi.advanceTimersByTimeAsync(5_000);
			expect(calls).toEqual([]);
			expect(outbox.pending()[0]?.status).toBe('retrying');
			encrypted = true;
			await vi.advanceTimersByTimeAsync(60_000);
			await done;
		} finally {
			vi.useRealTimers();
		}
		expect(calls.map((x) => x.type)).toEqual(['nl.casusruimte.update', 'm.room.message']);
	});

	it('survives a reload: a persisted queue goes out on the next start, once', async () => {
		const store = new MemoryOutboxStore();
		const down = fakeClient(() => {
			throw offline;
		});
		const first = new Outbox(down.client, store, api);
		first.enqueue('!r', [record(1)]);
		await first.pump();
		first.stop();
		expect(store.load()).toHaveLength(1);
		expect(store.load()[0]?.status).toBe('retrying');
		const up = fakeClient(() => undefined);
		const second = new Outbox(up.client, store, api);
		await second.pump();
		expect(up.calls).toHaveLength(1);
		expect(up.calls[0]?.txnId).toBe(down.calls[0]?.txnId);
		expect(store.load()).toEqual([]);
	});

	it('marks a refused item failed, blocks the rest of its group, and lets other groups through', async () => {
		const { client, calls } = fakeClient((call) => {
			if (call.kind === 'state')
				throw Object.assign(new Error('forbidden'), { httpStatus: 403, errcode: 'M_FORBIDDEN' });
		});
		const outbox = new Outbox(client, new MemoryOutboxStore(), api);
		const refused = outbox.send('!r', [{ kind: 'state', type: 'nl.casusruimte.access', content: {} }, record(1)]);
		await expect(refused).rejects.toThrow('forbidden');
		expect(outbox.pending().map((i) => i.status)).toEqual(['failed', 'blocked']);
		await outbox.send('!r', [record(2)]);
		expect(calls.filter((c) => c.kind === 'event')).toHaveLength(1);
		outbox.discard(outbox.pending()[0]!.group);
		expect(outbox.pending()).toEqual([]);
	});

	it('classifies network errors, rate limits and 5xx as transient, other 4xx as refusals', () => {
		expect(classify(offline).transient).toBe(true);
		expect(classify({ httpStatus: 429 }).transient).toBe(true);
		expect(classify({ httpStatus: 502 }).transient).toBe(true);
		expect(classify({ httpStatus: 403 }).transient).toBe(false);
	});

	it('reads every failure as a refusal in both languages, kept with the item across reloads', async () => {
		const guard = Object.assign(new Error('forbidden'), {
			httpStatus: 403,
			errcode: 'M_FORBIDDEN',
			data: { errcode: 'M_FORBIDDEN', error: 'membership reason must be a code' }
		});
		const r = classify(guard).refusal;
		expect(r.code).toBe('refused-by-server');
		expect(r.in('nl')).toBe('De server weigert dit (membership reason must be a code).');
		expect(r.in('en')).toBe('The server refused this (membership reason must be a code).');
		expect(classify(offline).refusal.code).toBe('unavailable');
		expect(classify({ httpStatus: 429 }).refusal.code).toBe('rate-limited');
		// The app server's own refusal keeps its texts.
		const ours = refusal('not-allowed', 'Niet toegestaan', 'Not allowed');
		expect(classify(ours).refusal.in('en')).toBe('Not allowed');

		const store = new MemoryOutboxStore();
		const { client } = fakeClient((call) => {
			if (call.kind === 'event') throw guard;
		});
		const outbox = new Outbox(client, store, api);
		await expect(outbox.send('!r', [record(1)])).rejects.toThrow();
		const [failed] = store.load();
		expect(failed?.status).toBe('failed');
		expect(itemProblem(failed!, 'en')).toBe('The server refused this (membership reason must be a code).');
		expect(itemProblem(failed!, 'nl')).toMatch(/^De server weigert dit/);
	});
});
