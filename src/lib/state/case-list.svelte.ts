/**
 * My cases as reactive state: the case index's summaries (plaintext state only,
 * so fast for hundreds of cases) plus what this device knows is unread.
 */
import type { MatrixClient } from 'matrix-js-sdk';
import type { MemberServices } from './runtime.ts';
import type { CaseRow } from './case-filter.ts';

type Runtime = typeof import('./runtime.ts');

/** How far the case list has loaded (sliding sync brings it in pages); complete with classic sync. */
export interface ListLoading {
	loaded: number;
	total: number | null;
	complete: boolean;
}

class CaseListState {
	rows = $state.raw<CaseRow[]>([]);
	ready = $state(false);
	loading = $state.raw<ListLoading>({ loaded: 0, total: null, complete: true });
	private off: (() => void) | null = null;
	private offLoading: (() => void) | null = null;

	attach(client: MatrixClient, services: MemberServices, rt: Runtime): void {
		this.detach();
		const me = client.getSafeUserId();
		const update = () => {
			this.rows = services.index.cases.map((c) => {
				const room = rt.getRoom(client, c.roomId);
				const unread =
					room && c.membership === 'join'
						? rt.unreadCount(room, me, services.serviceUserId)
						: { count: 0, atLeast: false };
				return { ...c, unreadCount: unread.count, unreadAtLeast: unread.atLeast };
			});
			this.ready = true;
		};
		update();
		this.off = services.index.subscribe(update);
		this.offLoading = rt.watchListLoading(client, (l) => (this.loading = l));
	}

	detach(): void {
		this.off?.();
		this.off = null;
		this.offLoading?.();
		this.offLoading = null;
		this.loading = { loaded: 0, total: null, complete: true };
		this.rows = [];
		this.ready = false;
	}

	byRoom(roomId: string): CaseRow | undefined {
		return this.rows.find((r) => r.roomId === roomId);
	}
}

export const caseList = new CaseListState();
