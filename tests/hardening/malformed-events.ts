/**
 * Malformed case events generated from the schemas: a valid example of every
 * record and state type, walked alongside the JSON Schema that zod derives for
 * it (z.toJSONSchema), and broken at one spot the schema constrains (wrong
 * type, value outside the enum or the pattern, too long, too short, too many
 * items, missing required field, unknown field, null, or arbitrary data from
 * fast-check); or the whole content replaced by arbitrary data. Only results
 * the zod schema really refuses are kept, so every generated event must end up
 * flagged by the client or refused by the homeserver.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { RECORD_SCHEMAS, unknownRisk } from '../../src/lib/case/records.ts';
import { AccessState, CaseState, RegieState, TriageStatusState } from '../../src/lib/case/state.ts';
import { RECORD, STATE } from '../../src/lib/case/event-types.ts';

export const REGIEHOUDER = '@regie:hardening.test';
export const SERVICE = '@casusruimte-service:hardening.test';
const at = '2026-11-23T09:30:00Z';
const day = '2026-11-30';
const decision = { assigned: ['CSG'], action: 'Nazorg', urgency: 'within_24h', rationale: 'Omdat het nodig is' };
const participants = [{ org: 'CSG', user_id: REGIEHOUDER }];

/** One valid content per event type (checked against the schemas by the tests). */
export const VALID: Record<string, { schema: z.ZodType; state: boolean; content: Record<string, unknown> }> = {
	[RECORD.intake]: {
		schema: RECORD_SCHEMAS[RECORD.intake],
		state: false,
		content: {
			v: 1,
			facts: {
				reference: 'DH-2026-0001',
				region: 'DH',
				first_report_at: at,
				receiving_org: 'CSG',
				incident_date: '2026-11-21',
				incident_band: 'within_7_days',
				acute: true,
				kind: 'sexual_violence',
				setting: 'offline',
				minor: false
			},
			person: {
				name: 'Naam',
				birth_date: '1999-04-01',
				address: 'Straat 1',
				phone: '0600000000',
				email: 'x@example.org',
				contact_preferences: 'Bellen',
				representative: 'Moeder',
				sex: 'female'
			},
			summary: 'Het verhaal.',
			reporter: 'Slachtoffer',
			risk: { ...unknownRisk(), immediate_danger: 'yes', injuries: 'minor', overall: 'concerns' },
			people: {
				offenders: [{ identity: 'known', relation: 'ex_partner', minor: 'no', name: 'P', notes: 'Woont in' }],
				children: [{ relation: 'child_in_household', age_band: '4_11' }],
				others: [{ role: 'witness', name: 'G' }]
			}
		}
	},
	[RECORD.step]: {
		schema: RECORD_SCHEMAS[RECORD.step],
		state: false,
		content: { v: 1, step: 'fmo', outcome: 'done', date: '2026-11-22', note: 'Met zedenrechercheur', at }
	},
	[RECORD.triage]: {
		schema: RECORD_SCHEMAS[RECORD.triage],
		state: false,
		content: {
			v: 1,
			seq: 1,
			supersedes: null,
			decided_at: at,
			domains: { veiligheid: decision, strafrecht: decision, hulp: decision, herstel: decision },
			participants,
			regiehouder: REGIEHOUDER,
			deputy: null,
			next_review: day,
			reason: 'initial',
			notes: 'MDT'
		}
	},
	[RECORD.consent]: {
		schema: RECORD_SCHEMAS[RECORD.consent],
		state: false,
		content: {
			v: 1,
			status: 'given',
			organisations: ['SHN'],
			purposes: ['care'],
			basis: { kind: 'consent' },
			given_by: 'victim',
			recorded_at: at,
			notes: 'Mondeling'
		}
	},
	[RECORD.update]: {
		schema: RECORD_SCHEMAS[RECORD.update],
		state: false,
		content: {
			v: 1,
			at,
			contact: { date: day, mode: 'phone', summary: 'Gebeld' },
			actions_agreed: [{ what: 'Afspraak', org: 'CSG', due: day }],
			actions_done: [{ what: 'Info gestuurd', org: 'SHN' }],
			signals: ['Signaal'],
			next_steps: 'Verder',
			retriage_requested: false
		}
	},
	[RECORD.handover]: {
		schema: RECORD_SCHEMAS[RECORD.handover],
		state: false,
		content: { v: 1, from: REGIEHOUDER, to: '@ander:hardening.test', deputy: null, reason: 'Verlof', at }
	},
	[RECORD.closure]: {
		schema: RECORD_SCHEMAS[RECORD.closure],
		state: false,
		content: {
			v: 1,
			decided_at: at,
			reason: 'help_completed',
			explanation: 'Afgerond',
			participants,
			follow_up: [{ date: day, org: 'CSG' }],
			retention_months: 12
		}
	},
	[STATE.case]: {
		schema: CaseState,
		state: true,
		content: {
			v: 1,
			reference: 'DH-2026-0001',
			region: 'DH',
			phase: 'regie',
			first_report_at: at,
			acute: true,
			closed_at: null,
			retention_until: null
		}
	},
	[STATE.access]: {
		schema: AccessState,
		state: true,
		content: {
			v: 1,
			organisations: [
				{ org: 'CSG', since: at, basis: 'consent' },
				{ org: 'VT', since: at, basis: 'statutory', ground: 'wmo2015-vt' }
			]
		}
	},
	[STATE.regie]: {
		schema: RegieState,
		state: true,
		content: { v: 1, regiehouder: REGIEHOUDER, deputy: null, since: at, handovers: 0 }
	},
	[STATE.triageStatus]: {
		schema: TriageStatusState,
		state: true,
		content: { v: 1, seq: 1, decided_at: at, next_review: day }
	}
};

type Json = { [k: string]: unknown };
interface Slot {
	path: (string | number)[];
	schema: Json;
	/** The key may be removed only when the parent does not require it. */
	required: boolean;
	isObject: boolean;
}

/** Picks the anyOf/oneOf branch that describes this value. */
function branchFor(schema: Json, value: unknown): Json {
	const branches = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
	if (!branches) return schema;
	const typeOf =
		value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'number' ? 'number' : typeof value;
	const fits = branches.filter((b) => b.type === typeOf || (b.type === 'integer' && typeOf === 'number'));
	const byConst = fits.find((b) => {
		const props = b.properties as Record<string, Json> | undefined;
		return props && Object.entries(props).every(([k, p]) => p.const === undefined || (value as Json)[k] === p.const);
	});
	return branchFor(byConst ?? fits[0] ?? branches[0]!, value);
}

function slots(value: unknown, schema: Json, path: (string | number)[] = [], required = true): Slot[] {
	const s = branchFor(schema, value);
	const out: Slot[] = [
		{ path, schema: s, required, isObject: !!value && typeof value === 'object' && !Array.isArray(value) }
	];
	if (Array.isArray(value) && s.items)
		value.forEach((v, i) => out.push(...slots(v, s.items as Json, [...path, i], true)));
	else if (value && typeof value === 'object' && s.properties) {
		const req = new Set((s.required as string[] | undefined) ?? []);
		for (const [k, v] of Object.entries(value))
			out.push(...slots(v, (s.properties as Record<string, Json>)[k] ?? {}, [...path, k], req.has(k)));
	}
	return out;
}

const REMOVE = Symbol('remove');
/** Values that break the constraints the schema puts on one spot. */
function breakers(slot: Slot, current: unknown): fc.Arbitrary<unknown>[] {
	const s = slot.schema;
	const list: fc.Arbitrary<unknown>[] = [];
	const wrongType =
		current === null
			? {}
			: Array.isArray(current)
				? { not: 'an array' }
				: typeof current === 'string'
					? 12345
					: typeof current === 'number'
						? '12'
						: typeof current === 'boolean'
							? 'true'
							: [];
	list.push(fc.constant(wrongType));
	if (s.enum) list.push(fc.constantFrom('niet-bestaand', 'PHONE', ''));
	if (s.const !== undefined) list.push(fc.constantFrom(2, 0, '1'));
	if (s.pattern || s.format)
		list.push(fc.constantFrom('ongeldig', '2026-13-45', '23-11-2026', 'dh-2026-1', '@', 'x'.repeat(3)));
	if (typeof s.maxLength === 'number') list.push(fc.constant('x'.repeat(s.maxLength + 1)));
	if (typeof s.minLength === 'number' && s.minLength > 0) list.push(fc.constantFrom('', '   '));
	if (typeof s.maxItems === 'number' && Array.isArray(current) && current.length)
		list.push(fc.constant(Array.from({ length: s.maxItems + 1 }, () => current[0])));
	if (typeof s.minItems === 'number' && s.minItems > 0) list.push(fc.constant([]));
	if (typeof s.minimum === 'number') list.push(fc.constantFrom(s.minimum - 1, 1.5, -1e9));
	if (s.type === 'integer') list.push(fc.constant(1.5));
	list.push(fc.constant(null));
	if (!slot.required && slot.path.length) list.push(fc.constant(undefined)); // absent but set to undefined is dropped by JSON
	if (slot.required && slot.path.length && typeof slot.path.at(-1) === 'string') list.push(fc.constant(REMOVE));
	list.push(fc.anything({ maxDepth: 2, maxKeys: 4 }));
	return list;
}

function setAt(root: Json, path: (string | number)[], value: unknown): Json {
	const copy = structuredClone(root);
	if (path.length === 0) return value as Json;
	let node = copy as Record<string | number, unknown>;
	for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
	const last = path.at(-1)!;
	if (value === REMOVE) delete node[last];
	else node[last] = value;
	return copy;
}

export interface MalformedEvent {
	type: string;
	state: boolean;
	content: unknown;
	how: string;
}

/** Strip what the codec adds (the reducer ignores body and msgtype of records). */
export function stripBody(content: unknown): unknown {
	if (!content || typeof content !== 'object' || Array.isArray(content)) return content;
	const { body: _b, msgtype: _m, ...rest } = content as Json;
	return rest;
}

export function isMalformed(e: MalformedEvent): boolean {
	const entry = VALID[e.type]!;
	// JSON is what travels: undefined disappears, so check what arrives.
	const wire = e.content === undefined ? undefined : JSON.parse(JSON.stringify(e.content ?? null));
	return !entry.schema.safeParse(entry.state ? wire : stripBody(wire)).success;
}

export const malformedEvent: fc.Arbitrary<MalformedEvent> = fc.constantFrom(...Object.keys(VALID)).chain((type) => {
	const entry = VALID[type]!;
	const json = z.toJSONSchema(entry.schema, { io: 'input', unrepresentable: 'any' }) as Json;
	const all = slots(entry.content, json);
	const spot = fc.constantFrom(...all).chain((slot) => {
		const current = slot.path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], entry.content);
		const extra = slot.isObject ? [fc.constant({ [Symbol.for('extra')]: true })] : [];
		return fc.oneof(...breakers(slot, current), ...extra).map((bad) => {
			if (bad && typeof bad === 'object' && Symbol.for('extra') in (bad as object)) {
				return {
					type,
					state: entry.state,
					content: setAt(entry.content, [...slot.path, 'onbekend_veld'], 'x'),
					how: `unknown field at ${slot.path.join('.') || '(root)'}`
				};
			}
			return {
				type,
				state: entry.state,
				content: setAt(entry.content, slot.path, bad),
				how: `${bad === REMOVE ? 'removed' : 'broke'} ${slot.path.join('.') || '(root)'}`
			};
		});
	});
	const whole = fc
		.anything({ maxDepth: 3 })
		.map((content) => ({ type, state: entry.state, content, how: 'arbitrary content' }));
	return fc.oneof({ weight: 9, arbitrary: spot }, { weight: 1, arbitrary: whole });
});

/** A deterministic batch of events the schemas refuse. */
export function sampleMalformed(count: number, seed: number): MalformedEvent[] {
	const out: MalformedEvent[] = [];
	for (let round = 0; out.length < count; round++) {
		for (const e of fc.sample(malformedEvent, { numRuns: count, seed: seed + round }))
			if (isMalformed(e) && out.length < count) out.push(e);
	}
	return out;
}
