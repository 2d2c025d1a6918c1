/**
 * How the web app syncs (README, issue 15): simplified sliding sync (MSC4186,
 * sliding.ts) by default; classic /sync with its IndexedDB cache only when asked
 * for (`PUBLIC_CASUS_SYNC=classic`, for a deployment whose reverse proxy cannot
 * route MSC4186 yet). A homeserver that does not offer sliding sync gets classic
 * /sync either way (client.ts). The tests read CASUS_TEST_SYNC the same way.
 */
export function syncChoice(value: string | undefined): 'sliding' | 'classic' {
	return value?.trim().toLowerCase() === 'classic' ? 'classic' : 'sliding';
}
