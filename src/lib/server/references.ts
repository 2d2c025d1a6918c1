/**
 * Case references from the service's own counter. The counter lives in the
 * service account's account data, which only the service account can write;
 * nothing another account names (a room name, a topic) plays any part. It is
 * initialised once from the `nl.casusruimte.case` state of the case rooms the
 * service itself created, and from then on every reference is the counter plus
 * one, written back before the room is made. The caller serialises allocations
 * (CaseService runs one creation at a time per process), so two cases never get
 * the same reference.
 */
import { z } from 'zod';
import type { ServiceClient } from './synapse-admin.ts';
import { MatrixHttpError, enc } from './http.ts';
import { listRooms, roomState } from './privacy/homeserver.ts';
import { CASE_ROOM_TYPE, readCaseRoomState } from '../case/room-state.ts';

export const COUNTER_TYPE = 'nl.casusruimte.reference-counter';

const Prefix = z.string().regex(/^[A-Z]{2,4}-\d{4}$/);
export const ReferenceCounterContent = z.strictObject({
	v: z.literal(1),
	/** "DH-2026" → the last number given out for that region and year. */
	last: z.record(Prefix, z.number().int().min(0))
});
export type ReferenceCounterContent = z.infer<typeof ReferenceCounterContent>;

const REFERENCE = /^([A-Z]{2,4}-\d{4})-(\d{4,5})$/;

export function splitReference(reference: string): { prefix: string; n: number } | null {
	const m = REFERENCE.exec(reference);
	return m ? { prefix: m[1]!, n: Number(m[2]) } : null;
}

export function formatReference(prefix: string, n: number): string {
	return `${prefix}-${String(n).padStart(4, '0')}`;
}

/** The highest number per prefix among references (pure; the counter's initial value). */
export function highestPerPrefix(references: Iterable<string>): Record<string, number> {
	const last: Record<string, number> = {};
	for (const ref of references) {
		const r = splitReference(ref);
		if (r && r.n > (last[r.prefix] ?? 0)) last[r.prefix] = r.n;
	}
	return last;
}

export class ReferenceCounter {
	constructor(readonly service: ServiceClient) {}

	private get path(): string {
		return `/_matrix/client/v3/user/${enc(this.service.userId)}/account_data/${enc(COUNTER_TYPE)}`;
	}

	/** The counter as stored; initialised from the service's own case rooms when there is none yet. */
	async load(): Promise<ReferenceCounterContent> {
		try {
			const stored = ReferenceCounterContent.safeParse(await this.service.http.get(this.path));
			if (stored.success) return stored.data;
		} catch (err) {
			if (!(err instanceof MatrixHttpError && err.status === 404)) throw err;
		}
		const counter: ReferenceCounterContent = { v: 1, last: await this.scan() };
		await this.save(counter);
		return counter;
	}

	private async save(counter: ReferenceCounterContent): Promise<void> {
		await this.service.http.put(this.path, ReferenceCounterContent.parse(counter));
	}

	/** References in the case state of the case rooms the service account created (never room names). */
	async scan(): Promise<Record<string, number>> {
		const references: string[] = [];
		for (const room of await listRooms(this.service)) {
			if (room.room_type !== CASE_ROOM_TYPE || room.creator !== this.service.userId) continue;
			const state = await roomState(this.service, room.room_id);
			if (!state) continue;
			const s = readCaseRoomState(state);
			if (s.isCaseRoom && s.createdBy === this.service.userId && s.case) references.push(s.case.reference);
		}
		return highestPerPrefix(references);
	}

	/** The next reference for a region and year, recorded before it is used. */
	async next(region: string, year: string): Promise<string> {
		const counter = await this.load();
		const prefix = `${region}-${year}`;
		const n = (counter.last[prefix] ?? 0) + 1;
		await this.save({ v: 1, last: { ...counter.last, [prefix]: n } });
		return formatReference(prefix, n);
	}

	/**
	 * Takes a reference given in advance (an import): refused (false) when the
	 * counter has passed it, since it may have been given out; otherwise the
	 * counter moves up to it.
	 */
	async claim(reference: string): Promise<boolean> {
		const r = splitReference(reference);
		if (!r) return false;
		const counter = await this.load();
		if (r.n <= (counter.last[r.prefix] ?? 0)) return false;
		await this.save({ v: 1, last: { ...counter.last, [r.prefix]: r.n } });
		return true;
	}
}
