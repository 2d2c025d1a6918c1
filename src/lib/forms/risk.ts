/**
 * The risk assessment and the people around the victim as form fields, shared
 * by the new-case form, the intake revision and the triage form: where they
 * start, how rows are added and removed, and the one mapping to the domain's
 * input (optional texts trimmed away when empty).
 */
import {
	riskChanges,
	riskConcerns,
	unknownRisk,
	type PeopleAround,
	type RiskAssessment,
	type RiskItem
} from '../case/records.ts';
import { optional } from './case-form.svelte.ts';

export { unknownRisk };

/** A person row as the form holds it: codes plus name and notes as plain strings. */
export interface OffenderRow {
	identity: string;
	relation: string;
	minor: string;
	name: string;
	notes: string;
}
export interface ChildRow {
	relation: string;
	age_band: string;
	name: string;
	notes: string;
}
export interface OtherRow {
	role: string;
	name: string;
	notes: string;
}
export interface PeopleRows {
	offenders: OffenderRow[];
	children: ChildRow[];
	others: OtherRow[];
}

export const emptyPeople = (): PeopleRows => ({ offenders: [], children: [], others: [] });
export const newOffender = (): OffenderRow => ({
	identity: 'unknown',
	relation: 'unknown',
	minor: 'unknown',
	name: '',
	notes: ''
});
export const newChild = (): ChildRow => ({ relation: 'child_in_household', age_band: 'unknown', name: '', notes: '' });
export const newOther = (): OtherRow => ({ role: 'other', name: '', notes: '' });

/** The rows for a recorded PeopleAround (absent fields become empty strings). */
export function peopleRows(p: PeopleAround | undefined | null): PeopleRows {
	if (!p) return emptyPeople();
	return {
		offenders: p.offenders.map((o) => ({ ...o, name: o.name ?? '', notes: o.notes ?? '' })),
		children: p.children.map((c) => ({ ...c, name: c.name ?? '', notes: c.notes ?? '' })),
		others: p.others.map((o) => ({ ...o, name: o.name ?? '', notes: o.notes ?? '' }))
	};
}

/** The input shape (before the schema): empty optional texts left out. */
export function peopleValue(rows: PeopleRows) {
	const texts = (r: { name: string; notes: string }) => ({ name: optional(r.name), notes: optional(r.notes) });
	return {
		offenders: rows.offenders.map((o) => ({ identity: o.identity, relation: o.relation, minor: o.minor, ...texts(o) })),
		children: rows.children.map((c) => ({ relation: c.relation, age_band: c.age_band, ...texts(c) })),
		others: rows.others.map((o) => ({ role: o.role, ...texts(o) }))
	};
}

/** A copy of a risk assessment to edit (or every item unknown). */
export function riskFields(r: RiskAssessment | null | undefined): RiskAssessment {
	return { ...(r ?? unknownRisk()) };
}

/** What the risk form shows beside the fields: the items of concern and what changed since the current weighing. */
export function riskSummary(current: RiskAssessment | null, edited: RiskAssessment) {
	return { concerns: riskConcerns(edited), changed: riskChanges(current, edited) as RiskItem[] };
}
