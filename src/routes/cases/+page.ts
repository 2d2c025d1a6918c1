import { redirect } from '@sveltejs/kit';
import { loadSession } from '$lib/matrix/session.ts';
import { isPrivacyOfficer } from '$lib/state/privacy-api.ts';

export async function load() {
	if (!loadSession()) redirect(307, '/login');
	// Privacy officers are members of no case; their start page is the console.
	if (await isPrivacyOfficer()) redirect(307, '/privacy');
}
