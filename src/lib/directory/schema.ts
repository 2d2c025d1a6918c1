/**
 * The organisations-and-roles directory, Matrix-native: one room created by the
 * service account, whose state maps each user to an organisation and roles.
 * Only the service account may write it (power levels); every user is joined to
 * it and reads it through sync; the guard module reads it server-side.
 *
 * The directory holds professionals' metadata only, never anything about a case.
 */
import { z } from 'zod';

export const DIRECTORY_ALIAS_LOCALPART = 'casusruimte-directory';
export const ORGANISATIONS_EVENT = 'nl.casusruimte.directory.organisations';
export const USER_EVENT = 'nl.casusruimte.directory.user';

/**
 * A directory entry's state key. Not the bare user ID: Matrix lets only the user
 * themself set state whose key starts with "@", and here the service account writes.
 */
export function userStateKey(userId: string): string {
	return `user:${userId}`;
}

export function userIdFromStateKey(stateKey: string): string | undefined {
	return stateKey.startsWith('user:@') ? stateKey.slice('user:'.length) : undefined;
}

export const ROLES = ['professional', 'chair', 'privacy-officer', 'admin'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

// The messages double as descriptions in the JSON Schema the homeserver's guard validates with.
const ORGANISATION_CODE_HINT =
	'an organisation code is 2 to 16 capitals, digits or underscores, starting with a letter';
export const OrganisationCode = z
	.string()
	.regex(/^[A-Z][A-Z0-9_]{1,15}$/, ORGANISATION_CODE_HINT)
	.describe(ORGANISATION_CODE_HINT);
export type OrganisationCode = z.infer<typeof OrganisationCode>;

export const Organisation = z.strictObject({
	code: OrganisationCode,
	name: z.string().min(1).max(120)
});
export type Organisation = z.infer<typeof Organisation>;

// The default organisations live with the zod-free lookups (lookup.ts), so the sign-in page needs no zod.
export { DEFAULT_ORGANISATIONS } from './lookup.ts';

export const OrganisationsContent = z.strictObject({
	v: z.literal(1),
	organisations: z.array(Organisation).min(1)
});
export type OrganisationsContent = z.infer<typeof OrganisationsContent>;

const USER_ID_HINT = 'a Matrix user ID such as @name:server';
export const MatrixUserId = z
	.string()
	.regex(/^@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-[\]:]+$/, USER_ID_HINT)
	.describe(USER_ID_HINT);

export const DirectoryUserContent = z.strictObject({
	v: z.literal(1),
	org: OrganisationCode,
	roles: z.array(Role).min(1),
	display_name: z.string().min(1).max(120),
	active: z.boolean(),
	/** ms since epoch of the last change. */
	updated_at: z.number().int().nonnegative()
});
export type DirectoryUserContent = z.infer<typeof DirectoryUserContent>;
