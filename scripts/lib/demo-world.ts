/**
 * The demo world: region Den Haag, the six partner organisations, two
 * professionals each, an MDT chair, a privacy officer and a beheerder.
 * Provisioning is idempotent: a second start changes nothing.
 */
import type { Accounts, NewUser } from '../../src/lib/server/accounts.ts';

export const DEMO_PASSWORD = 'Demo-Casus-2026';

export const DEMO_USERS: readonly (Omit<NewUser, 'password'> & { what: string })[] = [
	{ localpart: 'mdt.voorzitter', org: 'VT', roles: ['professional', 'chair'], displayName: 'Sanne Voorzitter (VT, MDT-voorzitter)', what: 'MDT chair' },
	{ localpart: 'csg.mulder', org: 'CSG', roles: ['professional'], displayName: 'Eva Mulder (CSG)', what: 'casemanager CSG, typical regiehouder' },
	{ localpart: 'csg.bos', org: 'CSG', roles: ['professional'], displayName: 'Noor Bos (CSG)', what: 'professional' },
	{ localpart: 'vt.devries', org: 'VT', roles: ['professional'], displayName: 'Lotte de Vries (Veilig Thuis)', what: 'professional' },
	{ localpart: 'vt.visser', org: 'VT', roles: ['professional'], displayName: 'Daan Visser (Veilig Thuis)', what: 'professional' },
	{ localpart: 'shn.smit', org: 'SHN', roles: ['professional'], displayName: 'Fatima Smit (Slachtofferhulp)', what: 'professional' },
	{ localpart: 'shn.meijer', org: 'SHN', roles: ['professional'], displayName: 'Joris Meijer (Slachtofferhulp)', what: 'professional' },
	{ localpart: 'politie.jansen', org: 'POLITIE', roles: ['professional'], displayName: 'Rachid Jansen (Politie, zedenrecherche)', what: 'professional' },
	{ localpart: 'politie.bakker', org: 'POLITIE', roles: ['professional'], displayName: 'Ilse Bakker (Politie)', what: 'professional' },
	{ localpart: 'om.vos', org: 'OM', roles: ['professional'], displayName: 'Pieter Vos (OM)', what: 'professional' },
	{ localpart: 'om.peters', org: 'OM', roles: ['professional'], displayName: 'Anouk Peters (OM)', what: 'professional' },
	{ localpart: 'ph.hendriks', org: 'PH', roles: ['professional'], displayName: 'Tim Hendriks (Perspectief Herstelbemiddeling)', what: 'professional' },
	{ localpart: 'ph.dekker', org: 'PH', roles: ['professional'], displayName: 'Mila Dekker (Perspectief Herstelbemiddeling)', what: 'professional' },
	{ localpart: 'privacy.officer', org: 'CSG', roles: ['privacy-officer'], displayName: 'Karin de Wit (privacy officer)', what: 'privacy officer' },
	{ localpart: 'beheerder', org: 'CSG', roles: ['admin'], displayName: 'Beheerder Casusruimte', what: 'beheerder (administrator)' }
];

export async function provisionDemoWorld(accounts: Accounts): Promise<{ created: number }> {
	let created = 0;
	for (const user of DEMO_USERS) {
		const outcome = await accounts.addUser({ ...user, password: DEMO_PASSWORD });
		if (outcome === 'created') created++;
	}
	return { created };
}
