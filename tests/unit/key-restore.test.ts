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

	it('a download the page left unfinished resumes on the next start, and only that one', async () => {
		const stored = new Map<string, boolean>();
		const marks = {
			pending: (u: string) => stored.get(u) === true,
			mark: (u: string, p: boolean) => void stored.set(u, p)
		};
		const me = '@rh:casus.test';
		// A page: the download starts after the verification, and the page closes before it ends.
		const page = new KeyRestore([], async () => undefined, marks);
		void page.start(() => new Promise(() => undefined), me);
		expect(marks.pending(me)).toBe(true);

		// The next start of the same account resumes it, and clears the mark once it completes.
		const next = new KeyRestore([], async () => undefined, marks);
		let calls = 0;
		const resumed = next.resume(async () => ({ restoredKeys: ++calls }), me);
		expect(resumed).not.toBeNull();
		await resumed;
		expect(next.status).toBe('done');
		expect(calls).toBe(1);
		expect(marks.pending(me)).toBe(false);

		// Nothing left unfinished (and another account's start): nothing is downloaded again.
		const later = new KeyRestore([], async () => undefined, marks);
		expect(later.resume(async () => ({ restoredKeys: ++calls }), me)).toBeNull();
		expect(later.resume(async () => ({ restoredKeys: ++calls }), '@vt:casus.test')).toBeNull();
		expect(later.status).toBe('idle');
		expect(calls).toBe(1);
	});

	it('a download that gave up stays marked, so the next start tries again', async () => {
		const stored = new Map<string, boolean>();
		const marks = {
			pending: (u: string) => stored.get(u) === true,
			mark: (u: string, p: boolean) => void stored.set(u, p)
		};
		const r = new KeyRestore([], async () => undefined, marks);
		await r.start(async () => {
			throw new Error('network');
		}, '@rh:casus.test');
		expect(r.status).toBe('failed');
		expect(marks.pending('@rh:casus.test')).toBe(true);
	});
});
