/**
 * Which forms to offer a user in a case: the permission rules of
 * permissions.ts and the phase rules of commands.ts, asked once so that no
 * component carries a rule of its own. The commands still decide; this only
 * keeps the interface from offering what would be refused.
 */
import type { Directory } from '../directory/directory.ts';
import { activeEntry } from '../directory/directory.ts';
import { canCoordinate, holdsRegie, partOf as partOfRegie, type Part } from './permissions.ts';
import { intakeReviser } from './commands.ts';
import type { CaseView } from './view.ts';
import { reopenRefusal, reopenSubjectOf } from './reopen.ts';

export interface Abilities {
	/** Regiehouder, deputy or MDT chair. */
	coordinate: boolean;
	triage: boolean;
	consent: boolean;
	handover: boolean;
	/** Structured regiehouder updates: the regiehouder and the deputy. */
	update: boolean;
	close: boolean;
	invite: boolean;
	remove: boolean;
	/** Free-text discussion. */
	discuss: boolean;
	/** A signal (new information, safety concern, re-triage request): any member of an open case. */
	signal: boolean;
	/** A police or care step as a fact (commands.ts recordStep): any member of an open case. */
	step: boolean;
	/** Correct or add to the intake as a new version (commands.ts mayReviseIntake). */
	intake: boolean;
	/** "Casus heropenen": a coordinator (or the region's MDT chair) of a closed case still retained (reopen.ts). */
	reopen: boolean;
}

export function abilities(
	view: CaseView,
	me: string,
	directory: Directory,
	serviceUserId: string,
	now = Date.now()
): Abilities {
	const coordinate = canCoordinate(
		{ directory, serviceUserId, regiehouder: view.regie.regiehouder, deputy: view.regie.deputy },
		me
	);
	const open = view.phase !== 'closed';
	const started = view.state.case !== null;
	return {
		coordinate,
		triage: started && open && coordinate,
		consent: started && coordinate,
		handover: started && open && coordinate,
		update: started && holdsRegie(view.regie, me),
		close: started && open && coordinate,
		invite: started && open && coordinate,
		remove: started && coordinate,
		discuss: started && activeEntry(directory, me) !== undefined,
		signal: started && open && activeEntry(directory, me) !== undefined,
		step: started && open && activeEntry(directory, me) !== undefined,
		intake: started && open && intakeReviser(view, me, coordinate),
		// The case view is a joined member's: the rule is asked as the server will ask it.
		reopen:
			started &&
			!open &&
			reopenRefusal(reopenSubjectOf(view, new Map([[me, 'join']])), me, { directory, serviceUserId, now }) === null
	};
}

/** The part a user plays in a case, for labels. */
export function partOf(view: CaseView, userId: string, directory: Directory): Part {
	return partOfRegie(view.regie, userId, directory);
}
