/**
 * The demo world: region Den Haag, the six partner organisations, two
 * professionals each, an MDT chair, a privacy officer and a beheerder; and
 * region Oost-Brabant with its own MDT (a chair and one professional of each
 * core organisation). Both regions have a full daily MDT in the directory.
 * Provisioning is idempotent: a second start changes nothing.
 */
import type { Accounts, NewUser } from '../../src/lib/server/accounts.ts';
import { MdtAdmin, type MdtPart } from '../../src/lib/server/mdt-admin.ts';
import type { CaseService } from '../../src/lib/server/cases.ts';
import { passwordLogin } from '../../src/lib/server/synapse-admin.ts';
import type { NewCaseInput } from '../../src/lib/case/commands.ts';

export const DEMO_PASSWORD = 'Demo-Casus-2026';

export const DEMO_USERS: readonly (Omit<NewUser, 'password'> & { what: string })[] = [
	{
		localpart: 'mdt.voorzitter',
		org: 'VT',
		roles: ['professional', 'chair'],
		displayName: 'Sanne Voorzitter (VT, MDT-voorzitter)',
		what: 'MDT chair'
	},
	{
		localpart: 'csg.mulder',
		org: 'CSG',
		roles: ['professional'],
		displayName: 'Eva Mulder (CSG)',
		what: 'casemanager CSG, typical regiehouder'
	},
	{ localpart: 'csg.bos', org: 'CSG', roles: ['professional'], displayName: 'Noor Bos (CSG)', what: 'professional' },
	{
		localpart: 'vt.devries',
		org: 'VT',
		roles: ['professional'],
		displayName: 'Lotte de Vries (Veilig Thuis)',
		what: 'professional'
	},
	{
		localpart: 'vt.visser',
		org: 'VT',
		roles: ['professional'],
		displayName: 'Daan Visser (Veilig Thuis)',
		what: 'professional'
	},
	{
		localpart: 'shn.smit',
		org: 'SHN',
		roles: ['professional'],
		displayName: 'Fatima Smit (Slachtofferhulp)',
		what: 'professional'
	},
	{
		localpart: 'shn.meijer',
		org: 'SHN',
		roles: ['professional'],
		displayName: 'Joris Meijer (Slachtofferhulp)',
		what: 'professional'
	},
	{
		localpart: 'politie.jansen',
		org: 'POLITIE',
		roles: ['professional'],
		displayName: 'Rachid Jansen (Politie, zedenrecherche)',
		what: 'professional'
	},
	{
		localpart: 'politie.bakker',
		org: 'POLITIE',
		roles: ['professional'],
		displayName: 'Ilse Bakker (Politie)',
		what: 'professional'
	},
	{ localpart: 'om.vos', org: 'OM', roles: ['professional'], displayName: 'Pieter Vos (OM)', what: 'professional' },
	{
		localpart: 'om.peters',
		org: 'OM',
		roles: ['professional'],
		displayName: 'Anouk Peters (OM)',
		what: 'professional'
	},
	{
		localpart: 'ph.hendriks',
		org: 'PH',
		roles: ['professional'],
		displayName: 'Tim Hendriks (Perspectief Herstelbemiddeling)',
		what: 'professional'
	},
	{
		localpart: 'ph.dekker',
		org: 'PH',
		roles: ['professional'],
		displayName: 'Mila Dekker (Perspectief Herstelbemiddeling)',
		what: 'professional'
	},
	{
		localpart: 'ob.voorzitter',
		org: 'CSG',
		roles: ['professional', 'chair'],
		displayName: 'Marieke van Rooij (CSG, MDT-voorzitter Oost-Brabant)',
		what: 'MDT chair Oost-Brabant'
	},
	{
		localpart: 'ob.csg.dewit',
		org: 'CSG',
		roles: ['professional'],
		displayName: 'Femke de Wit (CSG Oost-Brabant)',
		what: 'casemanager CSG Oost-Brabant'
	},
	{
		localpart: 'ob.csg.willems',
		org: 'CSG',
		roles: ['professional'],
		displayName: 'Bram Willems (CSG Oost-Brabant)',
		what: 'professional Oost-Brabant (deputy in the MDT)'
	},
	{
		localpart: 'ob.vt.claes',
		org: 'VT',
		roles: ['professional'],
		displayName: 'Inge Claes (Veilig Thuis Oost-Brabant)',
		what: 'professional Oost-Brabant'
	},
	{
		localpart: 'ob.politie.vandenberg',
		org: 'POLITIE',
		roles: ['professional'],
		displayName: 'Koen van den Berg (Politie Oost-Brabant)',
		what: 'professional Oost-Brabant'
	},
	{
		localpart: 'ob.shn.yilmaz',
		org: 'SHN',
		roles: ['professional'],
		displayName: 'Aylin Yilmaz (Slachtofferhulp Oost-Brabant)',
		what: 'professional Oost-Brabant'
	},
	{
		localpart: 'privacy.officer',
		org: 'CSG',
		roles: ['privacy-officer'],
		displayName: 'Karin de Wit (privacy officer)',
		what: 'privacy officer'
	},
	{
		localpart: 'beheerder',
		org: 'CSG',
		roles: ['admin'],
		displayName: 'Beheerder Casusruimte',
		what: 'beheerder (administrator)'
	}
];

export async function provisionDemoWorld(accounts: Accounts): Promise<{ created: number }> {
	let created = 0;
	for (const user of DEMO_USERS) {
		const outcome = await accounts.addUser({ ...user, password: DEMO_PASSWORD });
		if (outcome === 'created') created++;
	}
	return { created };
}

/**
 * The daily MDT of both demo regions. Den Haag: the chair, one member and one
 * deputy of CSG, VT and SHN, the police's zedenrecherche, OM and PH as members;
 * politie.bakker, om.peters and ph.dekker are not in the MDT (a case they open
 * reaches the board through them as aanmelding guest).
 */
export const DEMO_MDTS: readonly { region: string; localpart: string; part: MdtPart }[] = [
	{ region: 'DH', localpart: 'mdt.voorzitter', part: 'chair' },
	{ region: 'DH', localpart: 'csg.mulder', part: 'member' },
	{ region: 'DH', localpart: 'csg.bos', part: 'deputy' },
	{ region: 'DH', localpart: 'vt.devries', part: 'member' },
	{ region: 'DH', localpart: 'vt.visser', part: 'deputy' },
	{ region: 'DH', localpart: 'shn.smit', part: 'member' },
	{ region: 'DH', localpart: 'shn.meijer', part: 'deputy' },
	{ region: 'DH', localpart: 'politie.jansen', part: 'member' },
	{ region: 'DH', localpart: 'om.vos', part: 'member' },
	{ region: 'DH', localpart: 'ph.hendriks', part: 'member' },
	{ region: 'OB', localpart: 'ob.voorzitter', part: 'chair' },
	{ region: 'OB', localpart: 'ob.csg.dewit', part: 'member' },
	{ region: 'OB', localpart: 'ob.csg.willems', part: 'deputy' },
	{ region: 'OB', localpart: 'ob.vt.claes', part: 'member' },
	{ region: 'OB', localpart: 'ob.politie.vandenberg', part: 'member' },
	{ region: 'OB', localpart: 'ob.shn.yilmaz', part: 'member' }
];

/** Seats the demo MDTs (idempotent) and brings both regions' boards in line. */
export async function provisionDemoMdts(accounts: Accounts, cases: CaseService): Promise<{ seated: number }> {
	const mdts = new MdtAdmin(accounts);
	let seated = 0;
	for (const seat of DEMO_MDTS) {
		const { outcome } = await mdts.add(seat.region, seat.localpart, seat.part);
		if (outcome !== 'unchanged') seated++;
	}
	const directory = await cases.directory();
	for (const region of new Set(DEMO_MDTS.map((s) => s.region))) await cases.boards.reconcileBoard(region, directory);
	return { seated };
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Fresh reports to work on: in Den Haag one reported two hours ago and one whose
 * MDT triage deadline has passed; in Oost-Brabant one opened by the police
 * (no regiehouder until the MDT's triage). Only plaintext state exists yet (no intake): the demo user
 * records the intake in the browser, which is where encryption happens.
 * Seeded once; a later start leaves existing cases alone.
 */
export const DEMO_CASES: readonly { opener: string; input: NewCaseInput }[] = [
	{
		opener: 'csg.mulder',
		input: {
			region: 'DH',
			first_report_at: hoursAgo(2),
			acute: true,
			access: [
				{ org: 'CSG', basis: 'consent' },
				{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
				{ org: 'SHN', basis: 'consent' },
				{ org: 'POLITIE', basis: 'consent' }
			]
		}
	},
	{
		opener: 'vt.devries',
		input: {
			region: 'DH',
			first_report_at: hoursAgo(30),
			acute: false,
			access: [
				{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' },
				{ org: 'CSG', basis: 'consent' },
				{ org: 'SHN', basis: 'consent' }
			]
		}
	},
	{
		// Oost-Brabant: opened by the police, so it waits for the MDT to assign regie.
		opener: 'ob.politie.vandenberg',
		input: {
			region: 'OB',
			first_report_at: hoursAgo(5),
			acute: true,
			access: [
				{ org: 'POLITIE', basis: 'consent' },
				{ org: 'CSG', basis: 'consent' },
				{ org: 'VT', basis: 'statutory', ground: 'wmo2015-vt' }
			]
		}
	}
];

export async function seedDemoCases(cases: CaseService, homeserverUrl: string): Promise<number> {
	// Seeded before when the service already made case rooms (their own state says so; room names play no part).
	if (Object.keys(await cases.references.scan()).length > 0) return 0;
	let seeded = 0;
	for (const demo of DEMO_CASES) {
		const login = await passwordLogin(homeserverUrl, demo.opener, DEMO_PASSWORD, 'demo-seed');
		await cases.createCase(login.access_token, demo.input);
		// The seeding session ends here; the demo user signs in on their own device.
		await fetch(`${homeserverUrl}/_matrix/client/v3/logout`, {
			method: 'POST',
			headers: { authorization: `Bearer ${login.access_token}` }
		});
		seeded++;
	}
	return seeded;
}
