/**
 * The allow-list's generated JSON Schemas (synapse-config/schemas, from
 * src/lib/case/allow-list.ts) read as test input: which event types a room kind
 * lets members send, and every string field and object level of a sample, so a
 * test can put a plaintext marker in each and expect the guard to refuse it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SYNAPSE_CONFIG } from '../../scripts/lib/paths.ts';

export type Json = Record<string, unknown>;
type Kind = 'case' | 'board' | 'directory';
const SCHEMAS = path.join(SYNAPSE_CONFIG, 'schemas');

function index(): Record<Kind, Record<string, { state: string | null; sender: string; schema: string }>> {
	return JSON.parse(readFileSync(path.join(SCHEMAS, 'allow-list.json'), 'utf8'));
}

/** The event types a room kind lets someone other than the service send. */
export function memberTypes(kind: Kind): string[] {
	return Object.entries(index()[kind])
		.filter(([, a]) => a.sender !== 'service')
		.map(([type]) => type)
		.sort();
}

export function schemaOf(kind: Kind, type: string): Json {
	return JSON.parse(readFileSync(path.join(SCHEMAS, index()[kind][type]!.schema), 'utf8')) as Json;
}

/** The alternative of a union that the sample value takes (by its constant fields), or the schema itself. */
function resolve(schema: Json, value: unknown): Json {
	const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
	if (!alternatives) return schema;
	const matching = alternatives.find((alt) => {
		if (alt.type !== 'object' || typeof value !== 'object' || value === null) return false;
		const props = (alt.properties ?? {}) as Record<string, Json>;
		return Object.entries(props).every(([k, p]) => !('const' in p) || (value as Json)[k] === p.const);
	});
	return matching ?? schema;
}

function allowsString(schema: Json): boolean {
	if (schema.type === 'string') return true;
	const alternatives = (schema.oneOf ?? schema.anyOf) as Json[] | undefined;
	return !!alternatives?.some((a) => a.type === 'string');
}

/** Every string field (as a path) and every object level of `sample`, read from its JSON Schema. */
export function fieldsOf(schema: Json, sample: unknown, at: (string | number)[] = []) {
	const out = { strings: [] as (string | number)[][], objects: [] as (string | number)[][] };
	const s = resolve(schema, sample);
	if (s.type === 'object' && typeof sample === 'object' && sample !== null) {
		out.objects.push(at);
		for (const [key, prop] of Object.entries((s.properties ?? {}) as Record<string, Json>)) {
			const value = (sample as Json)[key];
			if (allowsString(resolve(prop, value))) out.strings.push([...at, key]);
			else if (value !== undefined && value !== null) {
				const inner = fieldsOf(prop, value, [...at, key]);
				out.strings.push(...inner.strings);
				out.objects.push(...inner.objects);
			}
		}
	} else if (s.type === 'array' && Array.isArray(sample)) {
		sample.forEach((item, i) => {
			const inner = fieldsOf(s.items as Json, item, [...at, i]);
			out.strings.push(...inner.strings);
			out.objects.push(...inner.objects);
		});
	}
	return out;
}

export function withValue(sample: unknown, at: (string | number)[], value: unknown): unknown {
	const copy = structuredClone(sample) as Json;
	let node: Json = copy;
	for (const part of at.slice(0, -1)) node = node[part as string] as Json;
	node[at.at(-1) as string] = value;
	return copy;
}
