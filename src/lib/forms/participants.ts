import type { MemberInfo } from '../matrix/case-room.ts';

/** The participants list of a triage or closure record, from the picker's state. */
export function participantsValue(members: MemberInfo[], selected: string[], extra: { org: string; name: string }[]) {
	return [
		...members.filter((m) => selected.includes(m.userId)).map((m) => ({ org: m.org ?? 'OTHER', user_id: m.userId })),
		...extra.filter((e) => e.name.trim()).map((e) => ({ org: e.org, name: e.name.trim() }))
	];
}
