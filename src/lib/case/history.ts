/**
 * The history of every record: for each accepted record or state change in a
 * case's timeline, which earlier entry it changes and what changed (field by
 * field). Records are never overwritten, so "what changed" is always a
 * comparison with the entry before it:
 *  - a triage decision with the decision it supersedes;
 *  - an intake version with the version it supersedes;
 *  - consent, per organisation, with that organisation's previous consent;
 *  - a regie handover with the regie before it;
 *  - a plaintext state change with the previous state of that type.
 * Updates and closures are new each time. Pure, for the timeline's "what
 * changed" disclosure and the tests.
 */
import { RECORD, STATE } from './event-types.ts';
import type { AccessEntry } from './state.ts';
import type { ConsentRecord, HandoverRecord } from './records.ts';
import type { TimelineEntry } from './view.ts';

export interface FieldChange {
	/** Dotted path, e.g. "domains.veiligheid.urgency" or "consent.POLITIE.status". */
	path: string;
	before: unknown;
	after: unknown;
}

export interface EntryHistory {
	/** The entry this one changes, or null when it is new. */
	previousId: string | null;
	changes: FieldChange[];
}

/** Fields that identify or stamp a record rather than say something. */
const BOOKKEEPING = new Set(['v', 'seq', 'supersedes', 'decided_at', 'recorded_at', 'at', 'since']);

export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
	if (deepEqual(before, after)) return [];
	// An object that appears or disappears reads field by field ("access.CSG: — → consent").
	if (before == null && isPlainObject(after)) before = {};
	if (after == null && isPlainObject(before)) after = {};
	if (isPlainObject(before) && isPlainObject(after)) {
		const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
		return keys
			.filter((k) => !(path === '' && BOOKKEEPING.has(k)))
			.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
	}
	if (Array.isArray(before) && Array.isArray(after) && before.some(isPlainObject) && before.length === after.length) {
		return before.flatMap((b, i) => diffValues(b, after[i], `${path}.${i}`));
	}
	return [{ path, before: before ?? null, after: after ?? null }];
}

export function recordHistory(timeline: readonly TimelineEntry[]): Map<string, EntryHistory> {
	const result = new Map<string, EntryHistory>();
	const byId = new Map<string, TimelineEntry>();
	const lastState = new Map<string, TimelineEntry>();
	let lastIntake: TimelineEntry | null = null;
	let lastRegie: { entryId: string; regiehouder: string | null; deputy: string | null } | null = null;
	const consentOf = new Map<string, { entryId: string; record: ConsentRecord }>();

	for (const entry of timeline) {
		if (entry.local || (entry.kind !== 'record' && entry.kind !== 'state')) continue;
		byId.set(entry.id, entry);
		if (entry.kind === 'state') {
			const prev = lastState.get(entry.type) ?? null;
			const shape = entry.type === STATE.access ? accessByOrg : (d: unknown) => d;
			// The first state of its kind reads as "— → value" for every field.
			result.set(entry.id, {
				previousId: prev?.id ?? null,
				changes: diffValues(prev ? shape(prev.data) : {}, shape(entry.data))
			});
			lastState.set(entry.type, entry);
			continue;
		}
		switch (entry.type) {
			case RECORD.triage: {
				const supersedes = (entry.data as { supersedes?: string | null }).supersedes ?? null;
				const prev = supersedes ? byId.get(supersedes) : undefined;
				result.set(entry.id, { previousId: prev?.id ?? null, changes: prev ? diffValues(prev.data, entry.data) : [] });
				break;
			}
			case RECORD.intake: {
				// The reducer accepts a version only on top of the latest, so both name the same one.
				const supersedes = (entry.data as { supersedes?: string }).supersedes;
				const prev = (supersedes ? byId.get(supersedes) : undefined) ?? lastIntake;
				result.set(entry.id, {
					previousId: prev?.id ?? null,
					changes: prev ? diffValues(prev.data, entry.data) : []
				});
				lastIntake = entry;
				break;
			}
			case RECORD.consent: {
				const record = entry.data as ConsentRecord;
				const changes: FieldChange[] = [];
				let previousId: string | null = null;
				for (const org of record.organisations) {
					const prev = consentOf.get(org);
					previousId ??= prev?.entryId ?? null;
					const before = prev
						? {
								status: prev.record.status,
								purposes: prev.record.purposes,
								basis: basisText(prev.record.basis),
								given_by: prev.record.given_by
							}
						: undefined;
					const after = {
						status: record.status,
						purposes: record.purposes,
						basis: basisText(record.basis),
						given_by: record.given_by
					};
					changes.push(
						...(before
							? diffValues(before, after, `consent.${org}`)
							: [{ path: `consent.${org}.status`, before: null, after: record.status }])
					);
					consentOf.set(org, { entryId: entry.id, record });
				}
				result.set(entry.id, { previousId, changes });
				break;
			}
			case RECORD.handover: {
				const record = entry.data as HandoverRecord;
				const before = { regiehouder: lastRegie?.regiehouder ?? record.from, deputy: lastRegie?.deputy ?? null };
				result.set(entry.id, {
					previousId: lastRegie?.entryId ?? null,
					changes: diffValues(before, { regiehouder: record.to, deputy: record.deputy })
				});
				lastRegie = { entryId: entry.id, regiehouder: record.to, deputy: record.deputy };
				break;
			}
			default:
				result.set(entry.id, { previousId: null, changes: [] });
		}
	}
	return result;
}

/** Access as "which organisation on which basis", so a change reads per organisation. */
function accessByOrg(data: unknown): unknown {
	const orgs = (data as { organisations?: AccessEntry[] })?.organisations ?? [];
	return {
		access: Object.fromEntries(orgs.map((a) => [a.org, a.basis === 'statutory' ? `statutory:${a.ground}` : 'consent']))
	};
}

/** A basis as one value: "consent" or "statutory:<ground>". */
function basisText(basis: ConsentRecord['basis']): string {
	return basis.kind === 'statutory' ? `statutory:${basis.ground}` : 'consent';
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
	if (a === b || (a == null && b == null)) return true;
	if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
	if (isPlainObject(a) && isPlainObject(b)) {
		const ka = Object.keys(a).filter((k) => a[k] != null);
		const kb = Object.keys(b).filter((k) => b[k] != null);
		return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
	}
	return false;
}
