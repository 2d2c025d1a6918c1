/**
 * Reading the directory: folds the directory room's state events into a lookup.
 * Pure; the Matrix layer (browser) and the server feed it state events.
 */
import {
	DirectoryUserContent,
	OrganisationsContent,
	ORGANISATIONS_EVENT,
	USER_EVENT,
	userIdFromStateKey,
	type Organisation,
	type OrganisationCode,
	type Role
} from './schema.ts';
import { buildMdts, MDT_EVENT, type Mdts } from './mdt.ts';
import { DEFAULT_ORGANISATIONS, emptyDirectory } from './lookup.ts';

export { emptyDirectory };

export interface DirectoryStateEvent {
	type: string;
	state_key?: string;
	content: unknown;
}

export interface DirectoryEntry extends DirectoryUserContent {
	userId: string;
}

export interface Directory {
	organisations: readonly Organisation[];
	users: ReadonlyMap<string, DirectoryEntry>;
	/** Each region's daily MDT (mdt.ts), by region code. */
	mdts: Mdts;
	/** State that failed its schema: shown to admins, ignored for decisions. */
	invalid: readonly { type: string; stateKey: string; error: string }[];
}

export function buildDirectory(events: Iterable<DirectoryStateEvent>): Directory {
	let organisations: readonly Organisation[] = DEFAULT_ORGANISATIONS;
	const users = new Map<string, DirectoryEntry>();
	const invalid: { type: string; stateKey: string; error: string }[] = [];
	const mdtEvents: DirectoryStateEvent[] = [];
	for (const event of events) {
		const stateKey = event.state_key ?? '';
		if (event.type === ORGANISATIONS_EVENT && stateKey === '') {
			const parsed = OrganisationsContent.safeParse(event.content);
			if (parsed.success) organisations = parsed.data.organisations;
			else invalid.push({ type: event.type, stateKey, error: parsed.error.message });
		} else if (event.type === USER_EVENT) {
			// An empty content is how a state entry is removed.
			if (event.content && typeof event.content === 'object' && Object.keys(event.content).length === 0) continue;
			const userId = userIdFromStateKey(stateKey);
			if (!userId) {
				invalid.push({ type: event.type, stateKey, error: 'the state key is not "user:" followed by a user ID' });
				continue;
			}
			const parsed = DirectoryUserContent.safeParse(event.content);
			if (parsed.success) users.set(userId, { ...parsed.data, userId });
			else invalid.push({ type: event.type, stateKey, error: parsed.error.message });
		} else if (event.type === MDT_EVENT) {
			mdtEvents.push(event);
		}
	}
	return { organisations, users, mdts: buildMdts(mdtEvents), invalid };
}

/** The active entry for a user, or undefined when unknown or disabled. */
export function activeEntry(directory: Directory, userId: string): DirectoryEntry | undefined {
	const entry = directory.users.get(userId);
	return entry?.active ? entry : undefined;
}

export function hasRole(directory: Directory, userId: string, role: Role): boolean {
	return activeEntry(directory, userId)?.roles.includes(role) ?? false;
}

export function organisationOf(directory: Directory, userId: string): OrganisationCode | undefined {
	return activeEntry(directory, userId)?.org;
}

export function isKnownOrganisation(directory: Directory, code: string): boolean {
	return directory.organisations.some((o) => o.code === code);
}
