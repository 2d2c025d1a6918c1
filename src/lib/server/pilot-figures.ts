/**
 * The pilot's figures from the records (issue 14), the app server's side: an
 * MDT chair's browser computes a region's aggregate from the cases it decrypts
 * and sends it here; only an active chair of that region's MDT may, and only
 * the one shape `PilotAggregate` is accepted (counts, "<5", dates, the region),
 * checked again for its suppression rules. Stored per region and period
 * (pilot-store.ts); who sent it, when and with what outcome goes to the audit
 * log. A refusal never repeats what was sent.
 */
import type { CaseService } from './cases.ts';
import { badRequest, forbidden, unavailable, Refusal } from './errors.ts';
import type { AuditLog } from './privacy/audit.ts';
import type { PilotStore } from './privacy/pilot-store.ts';
import { refusal } from '../refusal.ts';
import { REGIONS, RegionCode } from '../case/primitives.ts';
import { isMdtChair } from '../directory/mdt.ts';
import { PilotAggregate, type PilotSubmitted } from '../privacy/pilot-figures.ts';

/**
 * What is wrong with a submission, in words of our own: the suppression checks'
 * sentences, or that the shape is not the agreed one. Never a value or a key
 * from the body (an unknown key could itself be a name).
 */
function shapeProblem(body: unknown): Refusal | null {
	const parsed = PilotAggregate.safeParse(body);
	if (parsed.success) return null;
	const custom = parsed.error.issues.filter((i) => i.code === 'custom').map((i) => i.message);
	if (custom.length)
		return badRequest(
			`De cijfers volgen de regels van onderdrukking niet: ${custom.join('; ')}`,
			`The figures break the suppression rules: ${custom.join('; ')}`
		);
	const paths = [
		...new Set(
			parsed.error.issues
				.filter((i) => i.code !== 'unrecognized_keys')
				.map((i) =>
					i.path
						.filter((p) => typeof p === 'number' || /^[a-z_]{1,40}$/.test(String(p)))
						.map((p) => (typeof p === 'number' ? '#' : String(p)))
						.join('.')
				)
				.filter(Boolean)
		)
	].slice(0, 10);
	const extra = parsed.error.issues.some((i) => i.code === 'unrecognized_keys');
	const where = [...paths, ...(extra ? ['(velden die er niet in horen)'] : [])].join(', ');
	const whereEn = [...paths, ...(extra ? ['(fields that do not belong)'] : [])].join(', ');
	return badRequest(
		`Alleen het vaste formaat van de pilotcijfers wordt aangenomen: tellingen per maand, elke telling 5 of meer of "<5". Niet goed: ${where || 'het geheel'}.`,
		`Only the agreed pilot-figures format is accepted: counts per month, each count 5 or more or "<5". Not right: ${whereEn || 'the whole'}.`
	);
}

export class PilotFiguresService {
	constructor(
		readonly cases: CaseService,
		readonly store: PilotStore | null,
		readonly audit: AuditLog | null
	) {}

	private region(input: string): RegionCode {
		const parsed = RegionCode.safeParse(input.toUpperCase());
		if (parsed.success) return parsed.data;
		throw refusal(
			'not-found',
			`Onbekende regio. Bekende regio's: ${Object.keys(REGIONS).join(', ')}.`,
			`Unknown region. Known regions: ${Object.keys(REGIONS).join(', ')}.`
		);
	}

	/** POST /api/mdt/<region>/pilot-figures: the region's chair sends the aggregate for a period. */
	async submit(
		token: string | null | undefined,
		regionInput: string,
		body: unknown,
		now = Date.now()
	): Promise<PilotSubmitted> {
		const requester = await this.cases.authenticate(token);
		const region = this.region(regionInput);
		const { store, audit } = this;
		if (!store || !audit)
			throw unavailable(
				'De pilotcijfers kunnen niet worden bewaard: er is geen datamap ingesteld (CASUS_DATA_DIR).',
				'The pilot figures cannot be kept: no data folder is configured (CASUS_DATA_DIR).'
			);
		const record = (outcome: string) => audit.append({ actor: requester, action: 'pilot-figures-received', outcome });
		const directory = await this.cases.directory();
		if (!isMdtChair(directory.mdts, directory, region, requester)) {
			await record(`${region}: refused: not-allowed`);
			throw forbidden(
				`Alleen de voorzitter van het MDT van regio ${region} stuurt de pilotcijfers van die regio.`,
				`Only the chair of the ${region} MDT sends that region's pilot figures.`
			);
		}
		const problem = shapeProblem(body);
		if (problem) {
			await record(`${region}: refused: invalid`);
			throw problem;
		}
		const aggregate = PilotAggregate.parse(body);
		if (aggregate.region !== region) {
			await record(`${region}: refused: other region`);
			throw badRequest(
				`Deze cijfers zijn van regio ${aggregate.region}, niet van ${region}.`,
				`These figures are for region ${aggregate.region}, not ${region}.`
			);
		}
		const { replaced, received_at } = await store.put(aggregate, now);
		await record(
			`${region} ${aggregate.from}..${aggregate.to}: stored${replaced ? ', replacing the earlier one' : ''}`
		);
		return { ok: true, region, from: aggregate.from, to: aggregate.to, received_at, replaced };
	}
}
