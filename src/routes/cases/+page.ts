import { redirect } from '@sveltejs/kit';
import { loadSession } from '$lib/matrix/session.ts';

export function load() {
	if (!loadSession()) redirect(307, '/login');
}
