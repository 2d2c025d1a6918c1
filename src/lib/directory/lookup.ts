/**
 * The directory's lookups that the app's frame needs on every page (the
 * default organisations, the empty directory, organisation names, MDT seats),
 * without the schemas: this module imports no zod, so the sign-in page's
 * JavaScript does not carry the validation library (issue 15). directory.ts,
 * schema.ts and mdt.ts re-export everything here; the schemas stay there. Pure.
 */
import type { Directory } from './directory.ts';
import type { Organisation } from './schema.ts';
import type { Mdts } from './mdt.ts';
import type { RegionCode } from '../case/primitives.ts';

/** The partner organisations of the gezamenlijke aanpak; more can be added with `npm run admin -- org add`. */
export const DEFAULT_ORGANISATIONS: readonly Organisation[] = [
	{ code: 'POLITIE', name: 'Politie' },
	{ code: 'VT', name: 'Veilig Thuis' },
	{ code: 'SHN', name: 'Slachtofferhulp Nederland' },
	{ code: 'CSG', name: 'Centrum Seksueel Geweld' },
	{ code: 'OM', name: 'Openbaar Ministerie' },
	{ code: 'PH', name: 'Perspectief Herstelbemiddeling' }
];

export const emptyDirectory: Directory = {
	organisations: DEFAULT_ORGANISATIONS,
	users: new Map(),
	mdts: new Map(),
	invalid: []
};

export function organisationName(directory: Directory, code: string): string {
	return directory.organisations.find((o) => o.code === code)?.name ?? code;
}

/** Active in the directory with a role that sits in an MDT (professional or chair). */
const active = (directory: Directory, userId: string) => {
	const entry = directory.users.get(userId);
	return entry?.active === true && (entry.roles.includes('professional') || entry.roles.includes('chair'));
};

/** Whether the user chairs the region's MDT now (active in the directory, with the chair role). */
export function isMdtChair(mdts: Mdts, directory: Directory, region: string, userId: string): boolean {
	const mdt = mdts.get(region as RegionCode);
	return (
		!!mdt &&
		mdt.chairs.includes(userId) &&
		directory.users.get(userId)?.roles.includes('chair') === true &&
		active(directory, userId)
	);
}

/** Whether the user sits in the region's MDT now (member, deputy or chair, active in the directory). */
export function isMdtMember(mdts: Mdts, directory: Directory, region: string, userId: string): boolean {
	const mdt = mdts.get(region as RegionCode);
	if (!mdt || !active(directory, userId)) return false;
	return mdt.chairs.includes(userId) || mdt.members.some((m) => m.user === userId);
}

/** Everyone who belongs on the region's board now: the active chairs, members and deputies. */
export function boardMembers(mdts: Mdts, directory: Directory, region: string): string[] {
	const mdt = mdts.get(region as RegionCode);
	if (!mdt) return [];
	const all = new Set([...mdt.chairs, ...mdt.members.map((m) => m.user)]);
	return [...all].filter((u) => active(directory, u)).sort();
}

/** The regions whose MDT the user sits in or chairs. */
export function mdtRegionsOf(mdts: Mdts, directory: Directory, userId: string): RegionCode[] {
	return [...mdts.keys()].filter((r) => isMdtMember(mdts, directory, r, userId)).sort();
}
