/**
 * Case creation as the web app does it: POST /api/cases (CaseService.createCase:
 * /whoami, directory, next reference, createRoom from the template with its
 * state, the requester invited), the requester joins, then invites five members
 * of the covered organisations (what the outbox does for inviteMember).
 */
import { createUser, newCaseInput, type World, type WorldUser } from '../tests/support/world.ts';
import { now, summarise, type Summary } from './lib/stats.ts';

export interface CreationResult {
	cases: number;
	/** createCase alone (server-side: room and state). */
	create: Summary;
	/** createCase + join + five invites. */
	total: Summary;
}

export interface CreationCast {
	opener: WorldUser;
	invitees: WorldUser[];
}

export async function creationCast(world: World): Promise<CreationCast> {
	const opener = await createUser(world, 'CSG', ['professional'], 'create-csg');
	const invitees = await Promise.all(
		['VT', 'SHN', 'POLITIE', 'OM', 'PH'].map((org) =>
			createUser(world, org, ['professional'], `create-${org.toLowerCase()}`)
		)
	);
	return { opener, invitees };
}

export async function measureCreation(world: World, cast: CreationCast, count: number): Promise<CreationResult> {
	const create: number[] = [];
	const total: number[] = [];
	const enc = encodeURIComponent;
	for (let i = 0; i < count; i++) {
		const t0 = now();
		const { roomId } = await world.cases.createCase(cast.opener.accessToken, newCaseInput());
		create.push(now() - t0);
		await cast.opener.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
		for (const m of cast.invitees) {
			await cast.opener.http.post(`/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
				user_id: m.userId,
				reason: 'mdt-triage'
			});
		}
		total.push(now() - t0);
	}
	return { cases: count, create: summarise(create), total: summarise(total) };
}
