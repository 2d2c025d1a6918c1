import { redirect } from '@sveltejs/kit';
import { loadSession } from '$lib/matrix/session.ts';

export function load() {
	redirect(307, loadSession() ? '/cases' : '/login');
}
