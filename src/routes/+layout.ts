// The app runs entirely in the browser: plaintext case data exists only there,
// so there is nothing for the server to render.
import { loadMessages } from '$lib/i18n/index.ts';
import type { LayoutLoad } from './$types';

export const ssr = false;
export const prerender = false;

/** Every page but sign-in waits for all messages; sign-in has its own in the first JavaScript (i18n/index.ts). */
export const load: LayoutLoad = async ({ url }) => {
	if (url.pathname.endsWith('/login')) void loadMessages().catch(() => undefined);
	else await loadMessages();
};
