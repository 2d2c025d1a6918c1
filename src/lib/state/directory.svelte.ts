/**
 * The organisations-and-roles directory as reactive state, with the lookups
 * the pages need (names, organisations). Fed by the DirectoryWatcher.
 */
import type { Directory, DirectoryEntry } from '../directory/directory.ts';
import { emptyDirectory, organisationName, isMdtChair, mdtRegionsOf } from '../directory/lookup.ts';
import { localpartOf } from './identity.ts';
import type { Mdts } from '../directory/mdt.ts';

interface Watchable {
	directory: Directory;
	mdts?: Mdts;
	boards?: ReadonlyMap<string, string>;
	subscribe(listener: (d: Directory) => void): () => void;
}

class DirectoryState {
	current = $state.raw<Directory>(emptyDirectory);
	/** Each region's MDT, and each region's board room. */
	mdts = $state.raw<Mdts>(new Map());
	boards = $state.raw<ReadonlyMap<string, string>>(new Map());
	private off: (() => void) | null = null;

	attach(watcher: Watchable): void {
		this.detach();
		const take = (d: Directory) => {
			this.current = d;
			this.mdts = watcher.mdts ?? new Map();
			this.boards = watcher.boards ?? new Map();
		};
		take(watcher.directory);
		this.off = watcher.subscribe(take);
	}

	detach(): void {
		this.off?.();
		this.off = null;
		this.current = emptyDirectory;
		this.mdts = new Map();
		this.boards = new Map();
	}

	/** The regions whose MDT this user sits in or chairs (the board is theirs). */
	mdtRegions(userId: string | null | undefined): string[] {
		return userId ? mdtRegionsOf(this.mdts, this.current, userId) : [];
	}

	/** The regions this user chairs: where they may compute and send the pilot figures (issue 14). */
	chairedRegions(userId: string | null | undefined): string[] {
		return this.mdtRegions(userId).filter((r) => this.isChair(r, userId));
	}

	isChair(region: string | null | undefined, userId: string | null | undefined): boolean {
		return !!region && !!userId && isMdtChair(this.mdts, this.current, region, userId);
	}

	entry(userId: string | null | undefined): DirectoryEntry | undefined {
		return userId ? this.current.users.get(userId) : undefined;
	}

	/** The display name from the directory, else the user name. */
	name(userId: string | null | undefined): string {
		if (!userId) return '';
		if (userId.startsWith('@casusruimte-service:')) return 'Casusruimte';
		return this.entry(userId)?.display_name ?? localpartOf(userId);
	}

	org(userId: string | null | undefined): string | null {
		return this.entry(userId)?.org ?? null;
	}

	orgName(code: string | null | undefined): string {
		return code ? organisationName(this.current, code) : '';
	}

	/** "Eva Mulder (CSG)". */
	label(userId: string | null | undefined): string {
		if (!userId) return '';
		const org = this.org(userId);
		const name = this.name(userId);
		// Some display names already say where someone works ("Eva Mulder (CSG)").
		return org && !name.includes('(') ? `${name} (${org})` : name;
	}
}

export const directory = new DirectoryState();
