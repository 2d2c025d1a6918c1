/**
 * Runs a console request from a page; when the server says the session is no
 * longer valid, the app forgets it and goes to the sign-in page.
 */
import { goto } from '$app/navigation';
import { app } from '../state/app.svelte.ts';
import { PrivacyApiError } from './api.ts';

export async function signedIn<T>(run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (err) {
		if (err instanceof PrivacyApiError && err.status === 401) {
			app.expire();
			await goto('/login?expired=1');
		}
		throw err;
	}
}

/** The default reporting period: the last three calendar months up to today. */
export function defaultPeriod(now = new Date()): { from: string; to: string } {
	const from = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 1)).toISOString().slice(0, 10);
	const to = new Intl.DateTimeFormat('en-CA', {
		timeZone: 'Europe/Amsterdam',
		year: 'numeric',
		month: '2-digit',
		day: '2-digit'
	}).format(now);
	return { from, to };
}
