/**
 * Option lists the form models derive, as plain functions (no runes): each
 * builds its Set or Map once per derivation and hands back a value that is
 * never mutated afterwards.
 */
import { invitableUsers } from '../case/commands.ts';
import type { Directory, DirectoryEntry } from '../directory/directory.ts';
import type { MemberInfo } from '../matrix/case-room.ts';

/** Everyone in the room now: joined or invited. */
export function inRoom(members: readonly MemberInfo[]): ReadonlySet<string> {
	return new Set(members.filter((m) => m.membership === 'join' || m.membership === 'invite').map((m) => m.userId));
}

/** Who may be invited (the domain's rule), from organisation codes and user IDs. */
export function invitable(
	directory: Directory,
	covered: Iterable<string>,
	present: Iterable<string> = [],
	exclude: readonly string[] = []
): DirectoryEntry[] {
	return invitableUsers(directory, new Set(covered), new Set(present), exclude);
}

/** Users grouped by organisation, in the order they come (for one option group per organisation). */
export function byOrganisation(users: readonly DirectoryEntry[]): [string, DirectoryEntry[]][] {
	const groups = new Map<string, DirectoryEntry[]>();
	for (const u of users) groups.set(u.org, [...(groups.get(u.org) ?? []), u]);
	return [...groups];
}

/** The IDs of `wanted` that are among `allowed`. */
export function keepAllowed(wanted: readonly string[], allowed: readonly { userId: string }[]): string[] {
	const ids = new Set(allowed.map((a) => a.userId));
	return wanted.filter((w) => ids.has(w));
}

/** Now, as an ISO instant (a stand-in while a date field is empty). */
export const nowInstant = (): string => new Date().toISOString();
