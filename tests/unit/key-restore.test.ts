import { describe, expect, it } from 'vitest';
import { KeyRestore } from '../../src/lib/state/key-restore.svelte.ts';

function deferred<T>() {
	let resolve!: (v: T) => void;
	let reject!: (e: unknown) => void;
	const promise = new Promise<T>((res, rej) => {
		resolve = res;
		reject = rej;
	});
	return { promise, resolve, reject };
}

const undecryptable = { kind: 'undecryptable', problem: 'missing key' };
const record = { kind: 'record' };

describe('the key-backup download in the background', () => {
	it('says keys are arriving only while it runs and the case has events it cannot read yet', async () => {
		const r = new KeyRestore([], async () => undefined);
		expect(r.waitingForKeys([undecryptable])).toBe(false); // nothing running: a missing key is just missing
		const run = deferred<{ restoredKeys: number }>();
		const done = r.start(() => run.promise);
		expect(r.status).toBe('restoring');
		expect(r.waitingForKeys([record, undecryptable])).toBe(true);
		expect(r.waitingForKeys([record])).toBe(false);
		run.resolve({ restoredKeys: 12 });
		await done;
		expect(r.status).toBe('done');
		expect(r.restoredKeys).toBe(12);
		expect(r.waitingForKeys([undecryptable])).toBe(false);
	});

	it('runs once per session: a second start joins the first', async () => {
		const r = new KeyRestore([], async () => undefined);
		let calls = 0;
		const run = deferred<{ restoredKeys: number }>();
		const restore = () => {
			calls++;
			return run.promise;
		};
		const a = r.start(restore);
		const b = r.start(restore);
		expect(a).toBe(b);
		run.resolve({ restoredKeys: 1 });
		await a;
		expect(calls).toBe(1);
	});

	it('tries again after a failure, and gives up (failed) after the last wait', async () => {
		const waits: number[] = [];
		const r = new KeyRestore([5, 10], async (ms) => void waits.push(ms));
		let calls = 0;
		await r.start(async () => {
			calls++;
			if (calls < 3) throw new Error('network');
			return { restoredKeys: 3 };
		});
		expect(waits).toEqual([5, 10]);
		expect(r.status).toBe('done');

		const failing = new KeyRestore([5], async () => undefined);
		await failing.start(async () => {
			throw new Error('network');
		});
		expect(failing.status).toBe('failed');
		expect(failing.waitingForKeys([undecryptable])).toBe(false);
	});

	it('after sign-out a run still going reports nothing, and a new session starts afresh', async () => {
		const r = new KeyRestore([], async () => undefined);
		const first = deferred<{ restoredKeys: number }>();
		const old = r.start(() => first.promise);
		r.reset();
		expect(r.status).toBe('idle');
		const second = r.start(async () => ({ restoredKeys: 2 }));
		expect(second).not.toBe(old);
		await second;
		first.resolve({ restoredKeys: 99 });
		await old;
		expect(r.status).toBe('done');
		expect(r.restoredKeys).toBe(2);
	});
});
