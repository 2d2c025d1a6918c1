/**
 * Building blocks shared by the case schemas.
 */
import { z } from 'zod';
import { OrganisationCode, MatrixUserId } from '../directory/schema.ts';

export { OrganisationCode, MatrixUserId };

/*
 * Each message is also the schema's description, so the JSON Schema exported for
 * the homeserver's guard (scripts/generate-schemas.ts) explains a refusal in the
 * same words as the client.
 */
const REFERENCE_HINT = 'a case reference looks like DH-2026-0142: region code, year, number';
const INSTANT_HINT = 'a UTC date and time such as 2026-11-23T09:30:00Z';
const DAY_HINT = 'a date such as 2026-11-23';

/** A pseudonymous case reference: region code, year, sequence. Never a name. */
export const CaseReference = z
	.string()
	.regex(/^[A-Z]{2,4}-\d{4}-\d{4,5}$/, REFERENCE_HINT)
	.describe(REFERENCE_HINT);
export type CaseReference = z.infer<typeof CaseReference>;

/** UTC timestamp, ISO 8601 with a Z. */
export const Instant = z.iso.datetime({ message: INSTANT_HINT }).describe(INSTANT_HINT);
export type Instant = z.infer<typeof Instant>;

/** A calendar date, ISO 8601. */
export const Day = z.iso.date({ message: DAY_HINT }).describe(DAY_HINT);
export type Day = z.infer<typeof Day>;

/** Regions of the pilot and the CSG regions; extend as the approach rolls out. */
export const REGIONS = {
	DH: 'Den Haag',
	OB: 'Oost-Brabant',
	AMS: 'Amsterdam-Amstelland',
	RR: 'Rotterdam-Rijnmond',
	UT: 'Utrecht',
	GR: 'Groningen',
	FR: 'Friesland',
	DR: 'Drenthe',
	IJ: 'IJsselland',
	GLD: 'Gelderland',
	NH: 'Noord-Holland',
	FL: 'Flevoland',
	ZL: 'Zeeland',
	WB: 'West-Brabant',
	LB: 'Limburg',
	HM: 'Hollands Midden'
} as const;
export const RegionCode = z.enum(Object.keys(REGIONS) as [keyof typeof REGIONS, ...(keyof typeof REGIONS)[]]);
export type RegionCode = z.infer<typeof RegionCode>;

/** Named statutory grounds for sharing without consent. */
export const STATUTORY_GROUNDS = {
	'wmo2015-vt': 'Wmo 2015: taken en bevoegdheden Veilig Thuis (art. 4.1.1, 5.2.6)',
	meldcode: 'Wet verplichte meldcode (meldrecht, beroepsgeheim doorbroken)',
	wpg: 'Wet politiegegevens (verstrekking voor een zwaarwegend algemeen belang)',
	wjsg: 'Wet justitiële en strafvorderlijke gegevens',
	'conflict-of-duties': 'Conflict van plichten (acuut gevaar)'
} as const;
export const StatutoryGround = z.enum(
	Object.keys(STATUTORY_GROUNDS) as [keyof typeof STATUTORY_GROUNDS, ...(keyof typeof STATUTORY_GROUNDS)[]]
);
export type StatutoryGround = z.infer<typeof StatutoryGround>;

/**
 * What information is shared for (consent is given per purpose; a statutory
 * ground covers the purposes of compartments.ts STATUTORY_PURPOSES). A code, so
 * it may stand in plaintext state (the access basis, a compartment's purpose).
 */
export const PURPOSES = ['coordination', 'care', 'safety', 'investigation', 'restorative_mediation'] as const;
export const Purpose = z.enum(PURPOSES);
export type Purpose = z.infer<typeof Purpose>;
