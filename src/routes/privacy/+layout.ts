import { redirect } from '@sveltejs/kit';
import { loadSession } from '$lib/matrix/session.ts';

/** The console needs a signed-in session; the server decides whether it belongs to a privacy officer. */
export function load() {
	if (!loadSession()) redirect(307, '/login');
}
