/**
 * What keeps the case index cheap when hundreds of rooms arrive one by one
 * (sliding sync, issue 15): read receipts come in bursts and wait for the
 * index's pause instead of recomputing every summary each; a room's plaintext
 * state is validated once until one of its state events changes.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MatrixClient } from 'matrix-js-sdk';
import { CaseIndex } from '../../src/lib/matrix/case-index.ts';
import { STATE } from '../../src/lib/case/event-types.ts';
import { CASE_ROOM_TYPE } from '../../src/lib/case/room-state.ts';
import { buildDirectory } from '../../src/lib/directory/directory.ts';

/** A state event whose content reads are counted. */
function stateEvent(content: Record<string, unknown>) {
	const e = { reads: 0, getContent: () => (e.reads++, content), getSender: () => '@service:hs', getTs: () => 0 };
	return e;
}

function caseRoom(roomId: string, phase: string) {
	const state = new Map<string, ReturnType<typeof stateEvent>>([
		['m.room.create', stateEvent({ type: CASE_ROOM_TYPE })],
		[
			STATE.case,
			stateEvent({
				v: 1,
				reference: `DH-2026-${roomId.slice(1, 5)}`,
				region: 'DH',
				phase,
				first_report_at: '2026-01-01T10:00:00Z',
				acute: false,
				closed_at: null,
				retention_until: null
			})
		]
	]);
	return {
		roomId,
		name: roomId,
		state,
		currentState: { getStateEvents: (type: string) => state.get(type) ?? null },
		getMyMembership: () => 'join',
		getUnreadNotificationCount: () => 0,
		getLastActiveTimestamp: () => 0,
		getMember: () => null,
		getLiveTimeline: () => ({ getEvents: () => [] })
	};
}

function fakeClient(rooms: ReturnType<typeof caseRoom>[]) {
	return {
		on: () => undefined,
		off: () => undefined,
		getRooms: () => rooms,
		getSafeUserId: () => '@me:hs',
		isInitialSyncComplete: () => false
	} as unknown as MatrixClient;
}

afterEach(() => vi.useRealTimers());

describe('the case index at scale', () => {
	it('recomputes once after a burst of read receipts, not once per receipt', async () => {
		vi.useFakeTimers();
		const rooms = Array.from({ length: 50 }, (_, i) => caseRoom(`!${1000 + i}:hs`, 'regie'));
		const index = new CaseIndex(fakeClient(rooms), { directory: () => buildDirectory([]), reconcileEveryMs: 0 });
		let recomputed = 0;
		index.subscribe(() => recomputed++);
		for (let i = 0; i < 200; i++) index.refreshSoon();
		expect(recomputed).toBe(0);
		await vi.advanceTimersByTimeAsync(2_000);
		expect(recomputed).toBe(1);
		// refresh() stays immediate (the clock, a new directory).
		index.refresh();
		expect(recomputed).toBe(2);
		index.stop();
	});

	it("validates a room's state once until a state event changes, and then reads the new state", () => {
		const room = caseRoom('!2000:hs', 'triage');
		const index = new CaseIndex(fakeClient([room]), { directory: () => buildDirectory([]), reconcileEveryMs: 0 });
		expect(index.cases[0]?.phase).toBe('triage');
		const caseEvent = room.state.get(STATE.case)!;
		const reads = caseEvent.reads;
		index.refresh();
		index.refresh();
		expect(caseEvent.reads).toBe(reads);
		// A new phase is a new state event: read and validated again.
		const next = stateEvent({ ...(caseEvent.getContent() as object), phase: 'regie' });
		room.state.set(STATE.case, next);
		index.refresh();
		expect(index.cases[0]?.phase).toBe('regie');
		expect(next.reads).toBeGreaterThan(0);
		index.stop();
	});
});
