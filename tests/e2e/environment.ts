import type { NewUser } from '../../src/lib/server/accounts.ts';

export interface E2EEnvironment {
	appUrl: string;
	homeserverUrl: string;
	dataDir: string;
	serverName: string;
	/** How the web app syncs in this run (PUBLIC_CASUS_SYNC of the app server). */
	sync: 'sliding' | 'classic';
}

export const E2E_PASSWORD = 'E2e-Test-Pass-2026';

export const E2E_USERS: readonly Omit<NewUser, 'password'>[] = [
	{ localpart: 'e2e.csg', org: 'CSG', roles: ['professional'], displayName: 'Eva CSG' },
	{ localpart: 'e2e.vt', org: 'VT', roles: ['professional'], displayName: 'Lotte VT' },
	{ localpart: 'e2e.politie', org: 'POLITIE', roles: ['professional'], displayName: 'Rachid Politie' },
	{ localpart: 'e2e.chair', org: 'VT', roles: ['professional', 'chair'], displayName: 'Sanne Voorzitter' },
	{ localpart: 'e2e.privacy', org: 'CSG', roles: ['privacy-officer'], displayName: 'Karin Privacy' },
	// web client suites (each suite uses its own people, so their order does not matter)
	{ localpart: 'e2e.om', org: 'OM', roles: ['professional'], displayName: 'Pieter OM' },
	{ localpart: 'e2e.shn', org: 'SHN', roles: ['professional'], displayName: 'Fatima SHN' },
	{ localpart: 'e2e.fresh', org: 'SHN', roles: ['professional'], displayName: 'Joris Nieuw' },
	{ localpart: 'e2e.twodev', org: 'CSG', roles: ['professional'], displayName: 'Noor Tweetoestel' },
	{ localpart: 'e2e.off.csg', org: 'CSG', roles: ['professional'], displayName: 'Mila Offline' },
	{ localpart: 'e2e.off.vt', org: 'VT', roles: ['professional'], displayName: 'Daan Lezer' },
	{ localpart: 'e2e.many', org: 'CSG', roles: ['professional'], displayName: 'Sara Veelcasussen' }
];

export function e2eEnvironment(): E2EEnvironment {
	const raw = process.env.CASUS_E2E;
	if (!raw) throw new Error('CASUS_E2E is not set: run the end-to-end tests through Playwright (npm run test:e2e).');
	return JSON.parse(raw) as E2EEnvironment;
}
