/**
 * Realistic form inputs for the domain commands, with a marker string in every
 * personal or free-text field so a canary test can search for it afterwards.
 */
import type {
	IntakeInput,
	TriageInput,
	UpdateInput,
	ConsentInput,
	ClosureInput,
	StepInput
} from '../../src/lib/case/commands.ts';
import { unknownRisk } from '../../src/lib/case/records.ts';

const day = (offsetDays: number) => new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);

export function intakeInput(marker: string, receivingOrg = 'CSG'): IntakeInput {
	return {
		facts: {
			receiving_org: receivingOrg,
			incident_band: 'within_7_days',
			incident_date: day(-2),
			acute: true,
			kind: 'sexual_violence',
			setting: 'offline',
			minor: false
		},
		person: {
			name: `Naam ${marker}`,
			birth_date: '1999-04-01',
			address: `Straat ${marker} 1, Den Haag`,
			phone: `06-${marker}`,
			email: `${marker}@example.org`,
			contact_preferences: `Alleen bellen ${marker}`,
			representative: `Moeder ${marker}`,
			sex: 'female'
		},
		summary: `Het verhaal van het slachtoffer ${marker}: eenmalig verteld.`,
		reporter: `Slachtoffer zelf ${marker}`,
		risk: { ...unknownRisk(), immediate_danger: 'yes', offender_access: 'yes', previous_abuse: 'no' },
		people: {
			offenders: [
				{ identity: 'known', relation: 'ex_partner', minor: 'no', name: `Pleger ${marker}`, notes: `Woont ${marker}` }
			],
			children: [
				{ relation: 'child_in_household', age_band: '4_11', name: `Kind ${marker}`, notes: `School ${marker}` }
			],
			others: [{ role: 'witness', name: `Getuige ${marker}`, notes: `Buurvrouw ${marker}` }]
		}
	};
}

export function triageInput(
	marker: string,
	regiehouder: string,
	participants: { org: string; user_id?: string }[],
	deputy: string | null = null
): TriageInput {
	const decision = (assigned: string[], action: string) => ({
		assigned,
		action: `${action} ${marker}`,
		urgency: 'within_24h' as const,
		rationale: `Omdat ${marker}`
	});
	return {
		domains: {
			veiligheid: decision(['VT'], 'Veiligheidsplan opstellen'),
			strafrecht: decision(['POLITIE'], 'Informatief gesprek aangifte'),
			hulp: decision(['CSG'], 'Forensisch-medisch onderzoek en nazorg'),
			herstel: { assigned: [], action: '', urgency: 'none', rationale: `Nu niet ${marker}` }
		},
		participants,
		regiehouder,
		deputy,
		next_review: day(7),
		reason: 'initial',
		notes: `Besproken in MDT ${marker}`,
		risk: { ...unknownRisk(), immediate_danger: 'no', safe_place: 'yes', overall: 'concerns' }
	};
}

export function updateInput(marker: string): UpdateInput {
	return {
		contact: { date: day(0), mode: 'phone', summary: `Gebeld met slachtoffer ${marker}` },
		actions_agreed: [{ what: `Afspraak huisarts ${marker}`, org: 'CSG', due: day(3) }],
		actions_done: [{ what: `Informatie gestuurd ${marker}` }],
		signals: [`Signaal ${marker}`],
		next_steps: `Volgende stap ${marker}`,
		retriage_requested: false
	};
}

export function consentInput(
	status: 'given' | 'withdrawn' | 'refused',
	organisations: string[],
	marker: string
): ConsentInput {
	return {
		status,
		organisations,
		purposes: ['care', 'coordination'],
		basis: { kind: 'consent' },
		given_by: 'victim',
		notes: `Toestemming ${marker}`
	};
}

export function closureInput(marker: string, participants: { org: string; user_id?: string }[]): ClosureInput {
	return {
		reason: 'help_completed',
		explanation: `Hulp afgerond ${marker}`,
		participants,
		follow_up: [{ date: day(28), org: 'CSG' }],
		retention_months: 12
	};
}

export function stepInput(marker: string, step: StepInput['step'] = 'informatief_gesprek'): StepInput {
	const outcome = {
		informatief_gesprek: 'done',
		aangifte: 'considering',
		fmo: 'done',
		acute_medical_care: 'done',
		vt_safety_assessment: 'done'
	}[step];
	return { step, outcome, date: day(0), note: `Stap ${marker}` } as StepInput;
}
