/**
 * The chair's pilot-figures model on the signed-in app: the case list's rooms,
 * each case read and decrypted by the lazily loaded runtime, the aggregate sent
 * through the app's API client.
 */
import { app } from './app.svelte.ts';
import { caseList } from './case-list.svelte.ts';
import { PilotFiguresModel } from './pilot-figures.svelte.ts';

export function pilotFiguresModel(region: string): PilotFiguresModel {
	return new PilotFiguresModel(region, {
		caseRooms: () => (app.services?.index.cases ?? []).filter((c) => c.membership === 'join'),
		listComplete: () => caseList.ready && caseList.loading.complete,
		unsent: () => app.unsentCount,
		caughtUp: async () => {
			const { client, runtime } = app;
			return client && runtime ? runtime.caughtUp(client, 30_000) : false;
		},
		readCase: async (roomId) => {
			const { client, runtime, services } = app;
			return client && runtime && services ? runtime.readCaseView(client, roomId, services) : null;
		},
		send: async (region, aggregate) => {
			const api = app.services?.api;
			if (!api) throw new Error('not signed in');
			return api.pilotFigures(region, aggregate);
		},
		now: () => Date.now()
	});
}
