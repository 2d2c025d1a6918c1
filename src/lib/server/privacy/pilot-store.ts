/**
 * The pilot aggregates the MDT chairs sent (issue 14): one JSON file on the
 * server (mode 0600), one entry per region and period, a new submission for the
 * same region and period replacing the earlier one. It holds what
 * `PilotAggregate` allows and nothing else (counts, "<5", dates, a region code)
 * plus when it arrived; who sent it is in the audit log. Entries older than
 * PILOT_AGGREGATE_RETENTION_MONTHS are dropped when the file is read or written.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { addMonths } from '../../case/policy.ts';
import {
	PILOT_AGGREGATE_RETENTION_MONTHS,
	ReceivedAggregate,
	type PilotAggregate
} from '../../privacy/pilot-figures.ts';

const StoreFile = z.strictObject({ v: z.literal(1), aggregates: z.array(z.unknown()) });

/** One write at a time per file in this process (the replace is read, change, write). */
const queues = new Map<string, Promise<unknown>>();

export class PilotStore {
	constructor(readonly file: string) {}

	/** The stored aggregates still within retention, newest period first; an entry that does not parse is left out. */
	read(now = Date.now()): ReceivedAggregate[] {
		return this.load(now).sort(
			(a, b) =>
				b.aggregate.to.localeCompare(a.aggregate.to) ||
				a.aggregate.region.localeCompare(b.aggregate.region) ||
				b.aggregate.from.localeCompare(a.aggregate.from)
		);
	}

	/** Stores the aggregate, replacing one for the same region and period. */
	put(aggregate: PilotAggregate, now = Date.now()): Promise<{ replaced: boolean; received_at: string }> {
		const run = async () => {
			const kept = this.load(now);
			const same = (e: ReceivedAggregate) =>
				e.aggregate.region === aggregate.region &&
				e.aggregate.from === aggregate.from &&
				e.aggregate.to === aggregate.to;
			const replaced = kept.some(same);
			const received_at = new Date(now).toISOString();
			const next = [...kept.filter((e) => !same(e)), ReceivedAggregate.parse({ received_at, aggregate })];
			mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
			const tmp = `${this.file}.${process.pid}.tmp`;
			writeFileSync(tmp, JSON.stringify({ v: 1, aggregates: next }), { mode: 0o600 });
			renameSync(tmp, this.file);
			return { replaced, received_at };
		};
		const queued = (queues.get(this.file) ?? Promise.resolve()).catch(() => undefined).then(run);
		queues.set(this.file, queued);
		return queued;
	}

	private load(now: number): ReceivedAggregate[] {
		if (!existsSync(this.file)) return [];
		const file = StoreFile.safeParse(safeJson(readFileSync(this.file, 'utf8')));
		if (!file.success) return [];
		const out: ReceivedAggregate[] = [];
		for (const raw of file.data.aggregates) {
			const e = ReceivedAggregate.safeParse(raw);
			if (!e.success) continue;
			if (addMonths(e.data.received_at, PILOT_AGGREGATE_RETENTION_MONTHS).getTime() < now) continue;
			out.push(e.data);
		}
		return out;
	}
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return null;
	}
}
