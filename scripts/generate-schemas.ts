/**
 * Writes JSON Schema for the plaintext case-room state events into
 * synapse-config/schemas/, generated from the zod schemas in src/lib/case, so
 * the homeserver's guard and the client validate against one source.
 * Runs before every homeserver start and test run; the output is not committed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { STATE } from '../src/lib/case/event-types.ts';
import { CaseState, TriageStatusState, RegieState, AccessState } from '../src/lib/case/state.ts';
import { SYNAPSE_CONFIG } from './lib/paths.ts';

export const STATE_SCHEMAS: Record<string, z.ZodType> = {
	[STATE.case]: CaseState,
	[STATE.triageStatus]: TriageStatusState,
	[STATE.regie]: RegieState,
	[STATE.access]: AccessState
};

export function generateSchemas(outDir = path.join(SYNAPSE_CONFIG, 'schemas')): string[] {
	mkdirSync(outDir, { recursive: true });
	const written: string[] = [];
	for (const [type, schema] of Object.entries(STATE_SCHEMAS)) {
		const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'throw' });
		const file = path.join(outDir, `${type}.json`);
		writeFileSync(file, JSON.stringify({ title: type, ...json }, null, 2) + '\n');
		written.push(file);
	}
	return written;
}

if (import.meta.url === `file://${process.argv[1]}`) {
	for (const file of generateSchemas()) console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
