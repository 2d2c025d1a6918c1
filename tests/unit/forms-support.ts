/**
 * A case as the form models see it (CaseHandle), without a browser or Matrix:
 * the reducer's view, the members, a command context; `run` executes the real
 * domain command and keeps the effects it would queue.
 */
import type { CommandContext, Effect, Membership } from '../../src/lib/case/commands.ts';
import type { CaseView } from '../../src/lib/case/view.ts';
import type { MemberInfo } from '../../src/lib/matrix/case-room.ts';
import type { CaseHandle } from '../../src/lib/forms/case-form.svelte.ts';
import { reduceCase } from '../../src/lib/case/reducer.ts';
import { CHAIR, CSG, POLITIE, SHN, VT, ctx, directory, opening } from '../support/domain-fixtures.ts';

export const t = (key: string, o?: { values?: Record<string, string | number> }) =>
	o?.values ? `${key}:${JSON.stringify(o.values)}` : key;

export const NOW = Date.parse('2026-11-20T10:00:00Z');

export function member(userId: string, membership: Membership = 'join'): MemberInfo {
	const entry = directory.users.get(userId);
	return {
		userId,
		displayName: userId,
		membership,
		org: entry?.org ?? null,
		roles: entry?.roles ?? [],
		active: true,
		powerLevel: 0,
		since: NOW,
		invitedBy: null,
		inviteReason: null,
		history: []
	};
}

export interface FakeCase extends CaseHandle {
	queued: Effect[];
}

export function fakeCase(
	opts: {
		me?: string;
		view?: CaseView;
		members?: MemberInfo[];
		context?: Partial<CommandContext>;
	} = {}
): FakeCase {
	const view = opts.view ?? reduceCase(opening(), ctx(NOW));
	const members = opts.members ?? [CSG, VT, SHN, POLITIE, CHAIR].map((u) => member(u));
	const context: CommandContext = {
		...ctx(NOW),
		members: new Map(members.map((m) => [m.userId, m.membership])),
		...opts.context
	};
	const queued: Effect[] = [];
	const me = opts.me ?? CSG;
	return {
		roomId: '!case:hs',
		view,
		me,
		members,
		queued,
		context: () => context,
		async run(command, input) {
			const result = command(view, me, context, input);
			if (!result.ok) return { ok: false, refusal: result.error };
			queued.push(...result.effects);
			return { ok: true, group: 'g1' };
		},
		preview: (command, input) => command(view, me, context, input)
	};
}
