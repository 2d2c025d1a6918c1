/**
 * The beheerder's account operations behind `npm run admin`: add, change,
 * disable, list and import users, and extend the organisation list. Each is
 * idempotent and fails with a message a beheerder can act on.
 */
import { MatrixHttpError } from './http.ts';
import { parseCsv } from '../csv.ts';
import { registerWithSharedSecret, type ServiceClient } from './synapse-admin.ts';
import { ensureDirectoryRoom, readDirectory, writeOrganisations, writeUserEntry } from './directory-admin.ts';
import { ROLES, Role, OrganisationCode, type DirectoryUserContent } from '../directory/schema.ts';
import type { ServerConfig } from './config.ts';
import type { Directory, DirectoryEntry } from '../directory/directory.ts';

export class AdminError extends Error {
	override name = 'AdminError';
}

export interface NewUser {
	localpart: string;
	org: string;
	roles: string[];
	password: string;
	displayName?: string;
}

export type AddOutcome = 'created' | 'unchanged';

const LOCALPART = /^[a-z0-9._=\-/+]+$/;

export function validatePassword(password: string): string | undefined {
	if (password.length < 12) return 'a password needs at least 12 characters';
	if (!/[0-9]/.test(password)) return 'a password needs a digit';
	if (!/[a-z]/.test(password)) return 'a password needs a lower-case letter';
	if (!/[A-Z]/.test(password)) return 'a password needs an upper-case letter';
	return undefined;
}

export class Accounts {
	private directoryRoomId?: string;

	constructor(
		readonly config: ServerConfig,
		readonly service: ServiceClient
	) {}

	userId(localpart: string): string {
		return `@${localpart}:${this.config.serverName}`;
	}

	async directoryRoom(): Promise<string> {
		this.directoryRoomId ??= await ensureDirectoryRoom(this.service, this.config.serverName);
		return this.directoryRoomId;
	}

	async directory(): Promise<Directory> {
		return readDirectory(this.service, await this.directoryRoom());
	}

	private validate(user: NewUser, directory: Directory): { org: string; roles: Role[] } {
		if (!LOCALPART.test(user.localpart)) {
			throw new AdminError(
				`"${user.localpart}" is not a valid user name: use lower-case letters, digits and . _ = - / +`
			);
		}
		const org = user.org.toUpperCase();
		if (!OrganisationCode.safeParse(org).success || !directory.organisations.some((o) => o.code === org)) {
			const known = directory.organisations.map((o) => o.code).join(', ');
			throw new AdminError(
				`Unknown organisation "${user.org}". Known organisations: ${known}. Add one with \`npm run admin -- org add <CODE> --name "<name>"\`.`
			);
		}
		if (user.roles.length === 0) throw new AdminError(`Give at least one role (${ROLES.join(', ')}).`);
		const roles: Role[] = [];
		for (const role of user.roles) {
			const parsed = Role.safeParse(role);
			if (!parsed.success) throw new AdminError(`Unknown role "${role}". Known roles: ${ROLES.join(', ')}.`);
			if (!roles.includes(parsed.data)) roles.push(parsed.data);
		}
		return { org, roles };
	}

	/**
	 * Creates the account and its directory entry. Adding the same user again with the
	 * same organisation and roles changes nothing; with different ones it is refused
	 * (use `user set`), so a typo cannot silently move someone to another organisation.
	 */
	async addUser(user: NewUser): Promise<AddOutcome> {
		const directory = await this.directory();
		const { org, roles } = this.validate(user, directory);
		const userId = this.userId(user.localpart);
		const existing = await this.service.getUser(userId);
		const entry = directory.users.get(userId);
		if (existing) {
			if (entry && entry.org === org && sameRoles(entry.roles, roles) && entry.active && !existing.deactivated) {
				return 'unchanged';
			}
			if (existing.deactivated)
				throw new AdminError(
					`User ${userId} exists but is disabled. Disabled accounts cannot be reused; choose another user name.`
				);
			if (entry) {
				throw new AdminError(
					`User ${userId} already exists (organisation ${entry.org}, roles ${entry.roles.join(',')}). Use \`npm run admin -- user set ${user.localpart} --org … --role …\` to change it.`
				);
			}
			// An account without a directory entry (created outside this tool): adopt it.
		} else {
			const problem = validatePassword(user.password);
			if (problem) throw new AdminError(`Password refused: ${problem}.`);
			if (!this.config.registrationSharedSecret) {
				throw new AdminError(
					'Creating accounts needs the registration shared secret: run this command on the homeserver machine (CASUS_DATA_DIR).'
				);
			}
			try {
				await registerWithSharedSecret(this.config.homeserverUrl, this.config.registrationSharedSecret, {
					localpart: user.localpart,
					password: user.password,
					displayname: user.displayName ?? user.localpart
				});
			} catch (err) {
				if (err instanceof MatrixHttpError && err.errcode === 'M_USER_IN_USE') {
					throw new AdminError(`User ${userId} already exists.`);
				}
				throw err;
			}
		}
		const room = await this.directoryRoom();
		await writeUserEntry(this.service, room, userId, {
			v: 1,
			org,
			roles,
			display_name: user.displayName ?? entry?.display_name ?? user.localpart,
			active: true,
			updated_at: Date.now()
		});
		await this.service.forceJoin(userId, room);
		return 'created';
	}

	/** Changes organisation and/or roles of an existing user. */
	async setUser(
		localpart: string,
		change: { org?: string; roles?: string[]; displayName?: string }
	): Promise<DirectoryEntry> {
		const directory = await this.directory();
		const userId = this.userId(localpart);
		const entry = directory.users.get(userId);
		if (!entry) throw new AdminError(`Unknown user ${userId}. Add it with \`npm run admin -- user add\`.`);
		const { org, roles } = this.validate(
			{ localpart, org: change.org ?? entry.org, roles: change.roles ?? entry.roles, password: '' },
			directory
		);
		const content: DirectoryUserContent = {
			v: 1,
			org,
			roles,
			display_name: change.displayName ?? entry.display_name,
			active: entry.active,
			updated_at: Date.now()
		};
		await writeUserEntry(this.service, await this.directoryRoom(), userId, content);
		if (change.displayName) await this.service.setDisplayName(userId, change.displayName);
		return { ...content, userId };
	}

	/**
	 * Disables a user: the directory marks them inactive (the record stays, for the
	 * privacy officer's review) and the homeserver account is deactivated, which
	 * signs out all devices and removes the user from every room.
	 */
	async disableUser(localpart: string): Promise<'disabled' | 'already-disabled'> {
		const directory = await this.directory();
		const userId = this.userId(localpart);
		const entry = directory.users.get(userId);
		const account = await this.service.getUser(userId);
		if (!entry && !account) throw new AdminError(`Unknown user ${userId}.`);
		if (entry && !entry.active && (!account || account.deactivated)) return 'already-disabled';
		if (entry?.active) {
			await writeUserEntry(this.service, await this.directoryRoom(), userId, {
				...stripUserId(entry),
				active: false,
				updated_at: Date.now()
			});
		}
		if (account && !account.deactivated) await this.service.deactivateUser(userId);
		return 'disabled';
	}

	async listUsers(): Promise<DirectoryEntry[]> {
		const directory = await this.directory();
		return [...directory.users.values()].sort((a, b) => a.org.localeCompare(b.org) || a.userId.localeCompare(b.userId));
	}

	/** Adds an organisation code to the directory (configuration lives in the directory room). */
	async addOrganisation(code: string, name: string): Promise<'created' | 'unchanged' | 'renamed'> {
		const upper = code.toUpperCase();
		if (!OrganisationCode.safeParse(upper).success) {
			throw new AdminError(
				`"${code}" is not a valid organisation code: 2 to 16 capitals, digits or underscores, starting with a letter.`
			);
		}
		if (!name.trim()) throw new AdminError('Give the organisation a name with --name.');
		const directory = await this.directory();
		const current = directory.organisations.find((o) => o.code === upper);
		if (current?.name === name) return 'unchanged';
		const organisations = current
			? directory.organisations.map((o) => (o.code === upper ? { code: upper, name } : o))
			: [...directory.organisations, { code: upper, name }];
		await writeOrganisations(this.service, await this.directoryRoom(), organisations);
		return current ? 'renamed' : 'created';
	}
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
	return a.length === b.length && a.every((r) => b.includes(r));
}

function stripUserId(entry: DirectoryEntry): DirectoryUserContent {
	const { userId: _userId, ...content } = entry;
	return content;
}

/** Parses the import file: a header line, then localpart,org,roles,password[,display_name]; roles separated by ";". Lines starting with # are comments. */
export function parseUserCsv(text: string): NewUser[] {
	const rows = parseCsv(text).filter((r) => r.some((c) => c.trim()) && !(r[0] ?? '').trim().startsWith('#'));
	if (rows.length === 0) return [];
	const header = rows[0]!.map((h) => h.trim().toLowerCase());
	const col = (name: string) => header.indexOf(name);
	for (const required of ['localpart', 'org', 'roles', 'password']) {
		if (col(required) < 0)
			throw new AdminError(
				`The CSV header must name the columns localpart,org,roles,password (and optionally display_name); "${required}" is missing.`
			);
	}
	return rows.slice(1).map((cells, i) => {
		const get = (name: string) => (col(name) >= 0 ? (cells[col(name)] ?? '').trim() : '');
		const localpart = get('localpart');
		if (!localpart) throw new AdminError(`Row ${i + 2}: the localpart is empty.`);
		return {
			localpart,
			org: get('org'),
			roles: get('roles')
				.split(/[;|]/)
				.map((r) => r.trim())
				.filter(Boolean),
			password: get('password'),
			displayName: get('display_name') || undefined
		};
	});
}
