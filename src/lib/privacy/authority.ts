/**
 * Who holds power in a case room, as the directory and the regie state want it
 * now: 50 for the regiehouder and the deputy (while active in the directory) and
 * for every active MDT chair. The app server brings the rooms in line
 * (CaseService.reconcilePowerLevels / reconcileAuthority); the console flags a
 * room that is not (yet). Pure.
 */
import { activeEntry, type Directory } from '../directory/directory.ts';
import type { RegieState } from '../case/state.ts';
import { casePowerLevels } from '../matrix/room-template.ts';

export function activeChairs(directory: Directory): string[] {
	return [...directory.users.values()].filter((u) => u.active && u.roles.includes('chair')).map((u) => u.userId);
}

/** The users map of a case room's power levels as the directory and the regie state want it now. */
export function wantedPower(
	regie: Pick<RegieState, 'regiehouder' | 'deputy'> | null,
	directory: Directory,
	serviceUserId: string
): Record<string, number> {
	const active = (u: string | null | undefined) => (u && activeEntry(directory, u) ? u : null);
	return casePowerLevels(
		{ regiehouder: active(regie?.regiehouder), deputy: active(regie?.deputy), chairs: activeChairs(directory) },
		serviceUserId
	).users as Record<string, number>;
}

/** Whether a power levels users map grants exactly the wanted power (entries at 0 count as absent). */
export function samePower(current: unknown, wanted: Record<string, number>): boolean {
	const have = Object.entries(
		(current && typeof current === 'object' ? current : {}) as Record<string, unknown>
	).filter(([, v]) => v !== 0);
	return have.length === Object.keys(wanted).length && have.every(([u, v]) => wanted[u] === v);
}
