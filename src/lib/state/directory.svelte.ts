/**
 * The organisations-and-roles directory as reactive state, with the lookups
 * the pages need (names, organisations). Fed by the DirectoryWatcher.
 */
import { emptyDirectory, organisationName, type Directory, type DirectoryEntry } from '../directory/directory.ts';
import { localpartOf } from './identity.ts';

interface Watchable {
	directory: Directory;
	subscribe(listener: (d: Directory) => void): () => void;
}

class DirectoryState {
	current = $state.raw<Directory>(emptyDirectory);
	private off: (() => void) | null = null;

	attach(watcher: Watchable): void {
		this.detach();
		this.current = watcher.directory;
		this.off = watcher.subscribe((d) => (this.current = d));
	}

	detach(): void {
		this.off?.();
		this.off = null;
		this.current = emptyDirectory;
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
