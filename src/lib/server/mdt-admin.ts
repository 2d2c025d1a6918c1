/**
 * The beheerder's MDT operations behind `npm run admin -- mdt …`: who sits in a
 * region's daily MDT (member or deputy) and who chairs it. One state event per
 * region in the directory room (src/lib/directory/mdt.ts), written by the
 * service account. Each operation is idempotent and fails with a message a
 * beheerder can act on; the caller brings the region's board in line after a
 * change (boards.ts).
 */
import { parseCsv } from '../csv.ts';
import { AdminError, type Accounts } from './accounts.ts';
import { MDT_EVENT, MdtContent } from '../directory/mdt.ts';
import { REGIONS, RegionCode } from '../case/primitives.ts';
import type { Directory, DirectoryEntry } from '../directory/directory.ts';

export const MDT_PARTS = ['member', 'deputy', 'chair'] as const;
export type MdtPart = (typeof MDT_PARTS)[number];

export interface MdtRow {
	region: string;
	localpart: string;
	part: MdtPart;
}

export type MdtOutcome = 'added' | 'changed' | 'unchanged';

/** The region code, or a refusal naming the known regions. */
export function regionOf(input: string): RegionCode {
	const parsed = RegionCode.safeParse(input.trim().toUpperCase());
	if (parsed.success) return parsed.data;
	const known = Object.entries(REGIONS)
		.map(([code, name]) => `${code} (${name})`)
		.join(', ');
	throw new AdminError(`Unknown region "${input}". Known regions: ${known}.`);
}

/** The part a user plays in the region's MDT now, or null. */
export function partIn(mdt: MdtContent | undefined, userId: string): MdtPart | null {
	if (!mdt) return null;
	if (mdt.chairs.includes(userId)) return 'chair';
	const m = mdt.members.find((x) => x.user === userId);
	return m ? (m.deputy ? 'deputy' : 'member') : null;
}

function checkUser(directory: Directory, userId: string, part: MdtPart): DirectoryEntry {
	const entry = directory.users.get(userId);
	if (!entry) throw new AdminError(`Unknown user ${userId}. Add it first with \`npm run admin -- user add\`.`);
	if (!entry.active) throw new AdminError(`User ${userId} is disabled; a disabled user cannot sit in an MDT.`);
	if (!entry.roles.includes('professional') && !entry.roles.includes('chair'))
		throw new AdminError(
			`User ${userId} has neither the role professional nor chair (roles: ${entry.roles.join(',')}); only professionals and chairs sit in an MDT.`
		);
	if (part === 'chair' && !entry.roles.includes('chair'))
		throw new AdminError(
			`User ${userId} does not have the role chair. Give it first: \`npm run admin -- user set <localpart> --role ${[...entry.roles, 'chair'].join(',')}\`.`
		);
	return entry;
}

function emptyMdt(region: RegionCode): MdtContent {
	return { v: 1, region, chairs: [], members: [], updated_at: 0 };
}

/** The MDT with the user in exactly this part (and nowhere else in it). */
export function withPart(mdt: MdtContent, userId: string, part: MdtPart | null): MdtContent {
	const chairs = mdt.chairs.filter((u) => u !== userId);
	const members = mdt.members.filter((m) => m.user !== userId);
	if (part === 'chair') chairs.push(userId);
	else if (part) members.push({ user: userId, deputy: part === 'deputy' });
	return { ...mdt, chairs, members };
}

export class MdtAdmin {
	constructor(readonly accounts: Accounts) {}

	private async write(mdt: MdtContent): Promise<void> {
		const content = MdtContent.parse({ ...mdt, updated_at: Date.now() });
		await this.accounts.service.sendState(await this.accounts.directoryRoom(), MDT_EVENT, content.region, content);
	}

	/** Puts the user in the region's MDT as member, deputy or chair. Idempotent; another part changes it. */
	async add(regionInput: string, localpart: string, part: MdtPart): Promise<{ outcome: MdtOutcome; userId: string }> {
		const region = regionOf(regionInput);
		const directory = await this.accounts.directory();
		const userId = this.accounts.userId(localpart);
		checkUser(directory, userId, part);
		const mdt = directory.mdts.get(region) ?? emptyMdt(region);
		const before = partIn(mdt, userId);
		if (before === part) return { outcome: 'unchanged', userId };
		await this.write(withPart(mdt, userId, part));
		return { outcome: before ? 'changed' : 'added', userId };
	}

	/** Takes the user out of the region's MDT. Idempotent. */
	async remove(regionInput: string, localpart: string): Promise<{ outcome: 'removed' | 'not-in-mdt'; userId: string }> {
		const region = regionOf(regionInput);
		const directory = await this.accounts.directory();
		const userId = this.accounts.userId(localpart);
		const mdt = directory.mdts.get(region);
		if (!partIn(mdt, userId)) return { outcome: 'not-in-mdt', userId };
		await this.write(withPart(mdt!, userId, null));
		return { outcome: 'removed', userId };
	}

	/** Every MDT seat, by region, part and organisation. */
	async list(
		regionInput?: string
	): Promise<{ region: string; part: MdtPart; userId: string; org: string; name: string; active: boolean }[]> {
		const only = regionInput ? regionOf(regionInput) : undefined;
		const directory = await this.accounts.directory();
		const rows = [];
		for (const [region, mdt] of [...directory.mdts].sort(([a], [b]) => a.localeCompare(b))) {
			if (only && region !== only) continue;
			const seats: [string, MdtPart][] = [
				...mdt.chairs.map((u): [string, MdtPart] => [u, 'chair']),
				...mdt.members.map((m): [string, MdtPart] => [m.user, m.deputy ? 'deputy' : 'member'])
			];
			const order = { chair: 0, member: 1, deputy: 2 };
			for (const [userId, part] of seats) {
				const entry = directory.users.get(userId);
				rows.push({
					region,
					part,
					userId,
					org: entry?.org ?? '?',
					name: entry?.display_name ?? '',
					active: entry?.active ?? false
				});
			}
			rows.sort(
				(a, b) =>
					a.region.localeCompare(b.region) ||
					order[a.part] - order[b.part] ||
					a.org.localeCompare(b.org) ||
					a.userId.localeCompare(b.userId)
			);
		}
		return rows;
	}
}

/** Parses the import file: a header line `region,localpart,part` (part = member|deputy|chair). Lines starting with # are comments. */
export function parseMdtCsv(text: string): MdtRow[] {
	const rows = parseCsv(text).filter((r) => r.some((c) => c.trim()) && !(r[0] ?? '').trim().startsWith('#'));
	if (rows.length === 0) return [];
	const header = rows[0]!.map((h) => h.trim().toLowerCase());
	const col = (name: string) => header.indexOf(name);
	for (const required of ['region', 'localpart', 'part']) {
		if (col(required) < 0)
			throw new AdminError(`The CSV header must name the columns region,localpart,part; "${required}" is missing.`);
	}
	return rows.slice(1).map((cells, i) => {
		const get = (name: string) => (cells[col(name)] ?? '').trim();
		const part = get('part').toLowerCase() || 'member';
		if (!(MDT_PARTS as readonly string[]).includes(part))
			throw new AdminError(`Row ${i + 2}: unknown part "${get('part')}"; use member, deputy or chair.`);
		if (!get('localpart')) throw new AdminError(`Row ${i + 2}: the localpart is empty.`);
		return { region: get('region'), localpart: get('localpart'), part: part as MdtPart };
	});
}
