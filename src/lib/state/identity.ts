/**
 * Small facts about Matrix user IDs that the UI needs without loading the SDK.
 */

export function serverNameOf(userId: string): string {
	return userId.slice(userId.indexOf(':') + 1);
}

/** The service account that creates case rooms and writes the regie state. */
export function serviceUserIdFor(userId: string): string {
	return `@casusruimte-service:${serverNameOf(userId)}`;
}

/** "@jansen:server" → "jansen", for when no display name is known. */
export function localpartOf(userId: string): string {
	return userId.startsWith('@') ? userId.slice(1, userId.includes(':') ? userId.indexOf(':') : undefined) : userId;
}
