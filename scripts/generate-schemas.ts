/**
 * Writes the guard's allow-list into synapse-config/schemas/, generated from the
 * zod schemas in src/lib/case, so the homeserver's guard and the client validate
 * against one source:
 * - case/<type>.json, board/<type>.json and directory/<type>.json: the exact
 *   content of every event a case room / an MDT board / the directory room may
 *   hold (src/lib/case/allow-list.ts);
 * - allow-list.json: per room kind and event type, who may send it and its state
 *   key, plus `state_keys.region`: the region codes a `region` state key may be;
 * - policy.json: the retention window (src/lib/case/policy.ts), from the env
 *   CASUS_RETENTION_MONTHS, CASUS_RETENTION_MIN_MONTHS, CASUS_RETENTION_MAX_MONTHS
 *   (defaults DEFAULT_RETENTION), the one setting the app server reads too; and
 *   `regie_organisations`, the organisations whose case managers may hold regie
 *   (env CASUS_REGIE_ORGANISATIONS, default CSG, VT, SHN);
 * - <type>.json for the four plaintext case state types (as before).
 * Runs before every homeserver start and test run; the output is not committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { STATE } from '../src/lib/case/event-types.ts';
import { CaseState, TriageStatusState, RegieState, AccessState } from '../src/lib/case/state.ts';
import {
	BOARD_ROOM,
	CASE_ROOM,
	COMPARTMENT_ROOM,
	DIRECTORY_ROOM,
	schemaFile,
	type Allowed,
	type RoomKind
} from '../src/lib/case/allow-list.ts';
import { DEFAULT_RETENTION, RetentionPolicy, regieOrganisationsFrom } from '../src/lib/case/policy.ts';
import { RegionCode } from '../src/lib/case/primitives.ts';
import { OrganisationCode } from '../src/lib/directory/schema.ts';
import { SYNAPSE_CONFIG } from './lib/paths.ts';
import { COMPARTMENT_ID_PATTERN, LEGACY_PURPOSES, STATUTORY_PURPOSES } from '../src/lib/case/compartments.ts';

export const STATE_SCHEMAS: Record<string, z.ZodType> = {
	[STATE.case]: CaseState,
	[STATE.triageStatus]: TriageStatusState,
	[STATE.regie]: RegieState,
	[STATE.access]: AccessState
};

export const ROOMS: Record<RoomKind, Record<string, Allowed>> = {
	case: CASE_ROOM,
	board: BOARD_ROOM,
	directory: DIRECTORY_ROOM,
	compartment: COMPARTMENT_ROOM
};

export function jsonSchema(schema: z.ZodType, title: string): Record<string, unknown> {
	const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' });
	return { title, ...json };
}

function envMonths(name: string, fallback: number): number {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n)) throw new Error(`${name} must be a whole number of months (got something else)`);
	return n;
}

/** The retention window from the environment, with the domain's defaults; refused when inconsistent. */
export function retentionPolicyFromEnv(): RetentionPolicy {
	const policy = {
		default_months: envMonths('CASUS_RETENTION_MONTHS', DEFAULT_RETENTION.default_months),
		min_months: envMonths('CASUS_RETENTION_MIN_MONTHS', DEFAULT_RETENTION.min_months),
		max_months: envMonths('CASUS_RETENTION_MAX_MONTHS', DEFAULT_RETENTION.max_months)
	};
	const parsed = RetentionPolicy.safeParse(policy);
	if (!parsed.success)
		throw new Error(
			'CASUS_RETENTION_*: ' + parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')
		);
	return parsed.data;
}

/** The organisations whose case managers may hold regie; refused when a code is not an organisation code. */
export function regieOrganisationsFromEnv(): string[] {
	const codes = [...regieOrganisationsFrom(process.env)];
	const bad = codes.filter((c) => !OrganisationCode.safeParse(c).success);
	if (bad.length > 0 || codes.length === 0)
		throw new Error('CASUS_REGIE_ORGANISATIONS: a comma-separated list of organisation codes such as CSG,VT,SHN');
	return [...new Set(codes)];
}

function write(file: string, value: unknown): void {
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, JSON.stringify(value, null, 2) + '\n');
}

export function generateSchemas(outDir = path.join(SYNAPSE_CONFIG, 'schemas')): string[] {
	mkdirSync(outDir, { recursive: true });
	const written: string[] = [];
	for (const [type, schema] of Object.entries(STATE_SCHEMAS)) {
		const file = path.join(outDir, `${type}.json`);
		write(file, jsonSchema(schema, type));
		written.push(file);
	}
	const index: Record<string, Record<string, unknown>> = {};
	for (const [room, list] of Object.entries(ROOMS) as [RoomKind, Record<string, Allowed>][]) {
		index[room] = {};
		for (const [type, allowed] of Object.entries(list)) {
			const rel = schemaFile(room, type);
			write(path.join(outDir, rel), jsonSchema(allowed.content, type));
			index[room][type] = { state: allowed.state, sender: allowed.sender, schema: rel };
			written.push(path.join(outDir, rel));
		}
	}
	index.state_keys = { region: [...RegionCode.options], compartment: COMPARTMENT_ID_PATTERN };
	write(path.join(outDir, 'allow-list.json'), index);
	written.push(path.join(outDir, 'allow-list.json'));
	write(path.join(outDir, 'policy.json'), {
		retention: retentionPolicyFromEnv(),
		regie_organisations: regieOrganisationsFromEnv(),
		// Purposes bind (issue 13): what a statutory ground and an entry without purposes cover.
		statutory_purposes: STATUTORY_PURPOSES,
		legacy_purposes: LEGACY_PURPOSES
	});
	written.push(path.join(outDir, 'policy.json'));
	return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	for (const file of generateSchemas()) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
