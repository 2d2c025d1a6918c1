/**
 * Route guards for universal load functions: pages for signed-in users only.
 * Uses the stored session alone (no SDK), so it is cheap and runs before render.
 */
import { redirect } from '@sveltejs/kit';
import { loadSession } from '../matrix/session.ts';

export function requireSession(): void {
	if (!loadSession()) redirect(307, '/login');
}
