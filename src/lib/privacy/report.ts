/**
 * The access-review report and the CSV files of the console, from metadata the
 * server has already read: one row per case (counts only, no user IDs), the
 * officers' actions, the deleted cases; and the mapping of report and figures to
 * CSV columns. Pure: the server (src/lib/server/privacy/service.ts) does the I/O.
 */
import { toCsv } from '../csv.ts';
import { PILOT_COVERAGE, PILOT_FIGURE_CODES, PILOT_FIGURES } from './pilot-figures.ts';
import type { AuditAction, AuditEntry, FiguresResponse, Member, ReportResponse, ReportRow } from './schemas.ts';
import { accessHistory, classifyMembership, membershipHistory, type ParsedCase, type RawEvent } from './review.ts';
import type { CaseSummary } from './schemas.ts';

/** One case's line: its summary, and the membership and access changes within the period. */
export function reportRow(
	c: ParsedCase,
	{ summary, members }: { summary: CaseSummary; members: Member[] },
	history: readonly RawEvent[],
	entries: readonly AuditEntry[],
	inPeriod: (iso: string) => boolean,
	serviceUserId: string
): ReportRow {
	const changes = membershipHistory(history).filter((m) => inPeriod(m.ts) && m.user_id !== serviceUserId);
	const tally = { invite: 0, join: 0, leave: 0, removal: 0 };
	for (const m of changes) {
		const kind = classifyMembership(m);
		if (kind) tally[kind]++;
	}
	const has = (code: string) => new Set(summary.flags.filter((f) => f.code === code).map((f) => f.user_id)).size;
	return {
		reference: summary.reference,
		region: summary.region,
		phase: summary.phase,
		opened_at: summary.opened_at,
		closed_at: summary.closed_at,
		retention_until: summary.retention_until,
		retention_overdue: summary.retention_overdue,
		organisations: (c.access?.organisations ?? [])
			.map(
				(o) =>
					`${o.org} (${o.basis === 'statutory' ? o.ground : 'toestemming'}${o.purposes ? `: ${o.purposes.join(', ')}` : ''})`
			)
			.join('; '),
		members_now: summary.members_by_org
			.map((o) => `${o.org}: ${o.joined}${o.invited ? ` (+${o.invited} uitgenodigd)` : ''}`)
			.join('; '),
		invites: tally.invite,
		joins: tally.join,
		leaves: tally.leave,
		removals: tally.removal,
		access_changes: accessHistory(history).filter((a) => inPeriod(a.ts)).length,
		members_not_covered: has('member_not_covered'),
		members_disabled: new Set(
			members
				.filter(
					(m) =>
						m.flags.includes('member_directory_inactive') ||
						m.flags.includes('member_account_deactivated') ||
						m.flags.includes('member_directory_missing')
				)
				.map((m) => m.user_id)
		).size,
		members_inactive: has('member_inactive'),
		no_regiehouder: summary.flags.some((f) => f.code === 'no_regiehouder'),
		officer_actions: entries.filter((e) => e.room_id === c.roomId && !e.action.startsWith('view-')).length,
		compartments: [...c.compartments].map(([id, p]) => `${id} (${p.purpose})`).join('; ')
	};
}

/** The report around its rows: the actions per kind and the deletions in the period (entries already in the period). */
export function reportResponse(
	period: { from: string; to: string },
	rows: ReportRow[],
	entries: readonly AuditEntry[],
	retentionJobActor: string,
	now = Date.now()
): ReportResponse {
	const actionCounts = new Map<AuditAction, number>();
	for (const e of entries) actionCounts.set(e.action, (actionCounts.get(e.action) ?? 0) + 1);
	return {
		from: period.from,
		to: period.to,
		generated_at: new Date(now).toISOString(),
		rows,
		actions: [...actionCounts]
			.map(([action, count]) => ({ action, count }))
			.sort((a, b) => a.action.localeCompare(b.action)),
		deleted: entries
			.filter((e) => e.action === 'delete-case' && e.outcome === 'purged')
			.map((e) => ({
				reference: e.reference,
				deleted_at: e.ts,
				by: e.actor === retentionJobActor ? ('retention-job' as const) : ('officer' as const)
			}))
	};
}

export const REPORT_COLUMNS = [
	['reference', 'kenmerk'],
	['region', 'regio'],
	['phase', 'fase'],
	['opened_at', 'geopend'],
	['closed_at', 'afgesloten'],
	['retention_until', 'bewaren_tot'],
	['retention_overdue', 'bewaartermijn_verstreken'],
	['organisations', 'organisaties_grondslag'],
	['members_now', 'leden_nu'],
	['invites', 'uitnodigingen'],
	['joins', 'toetredingen'],
	['leaves', 'zelf_vertrokken'],
	['removals', 'verwijderd'],
	['access_changes', 'grondslagwijzigingen'],
	['members_not_covered', 'leden_buiten_grondslag'],
	['members_disabled', 'leden_uitgeschakeld'],
	['members_inactive', 'leden_inactief'],
	['no_regiehouder', 'zonder_regiehouder'],
	['officer_actions', 'acties_privacy_officer'],
	['compartments', 'compartimenten']
] as const satisfies readonly (readonly [keyof ReportRow, string])[];

export function reportCsv(report: ReportResponse): string {
	return toCsv(
		REPORT_COLUMNS.map(([, label]) => label),
		report.rows.map((r) => REPORT_COLUMNS.map(([key]) => r[key]))
	);
}

/** What each of the server's own figures means (the CSV's definitions; the console shows the same in nl and en). */
const SERVER_FIGURE_DEFINITIONS: Record<string, string> = {
	casussen: 'Casussen met een eerste melding in de maand (uit de casusgegevens zonder inhoud)',
	cases: 'Casussen met een eerste melding in de periode',
	acute_share: 'Aandeel acute casussen (%)',
	triaged: 'Casussen met een MDT-triage',
	triage_median_hours: 'Tijd van eerste melding tot eerste MDT-triage (mediaan, uren)',
	triaged_within_24h_share: 'Aandeel getrieerde casussen met de eerste triage binnen 24 uur (%)',
	handovers_mean: 'Regieoverdrachten per casus (gemiddelde)',
	organisations_mean: 'Organisaties per casus (gemiddelde)',
	closed: 'Afgesloten casussen',
	closure_median_days: 'Tijd van eerste melding tot afsluiting (mediaan, dagen)',
	overdrachten: 'Casussen met dit aantal regieoverdrachten',
	organisaties: 'Casussen met dit aantal organisaties'
};

/**
 * The figures in long form: one line per figure with its definition, so the file
 * reads the same in any tool. After the server's own figures come the aggregates
 * from the records that the MDT chairs sent (table `uit_de_dossiers`), with their
 * coverage (`cases_read`, `cases_unread`) and when they arrived.
 */
export function figuresCsv(f: FiguresResponse): string {
	const rows: (string | number)[][] = [];
	const def = (key: string) => SERVER_FIGURE_DEFINITIONS[key.replace(/_[0-9+]+$/, '')] ?? '';
	f.per_month.forEach((m) =>
		m.cells.forEach((cell, i) =>
			rows.push(['casussen_per_maand', f.regions[i]!, m.month, 'casussen', cell, def('casussen')])
		)
	);
	for (const r of [...f.by_region, f.overall]) {
		for (const [key, value] of Object.entries(r))
			if (key !== 'region')
				rows.push([
					'per_regio',
					r.region === 'all' ? 'alle' : r.region,
					`${f.from}..${f.to}`,
					key,
					value as string | number,
					def(key)
				]);
	}
	for (const h of f.handovers)
		rows.push([
			'regieoverdrachten',
			'alle',
			`${f.from}..${f.to}`,
			`overdrachten_${h.bucket}`,
			h.cases,
			def('overdrachten')
		]);
	for (const o of f.organisations)
		rows.push([
			'organisaties_per_casus',
			'alle',
			`${f.from}..${f.to}`,
			`organisaties_${o.bucket}`,
			o.cases,
			def('organisaties')
		]);
	for (const { received_at, aggregate: a } of f.received ?? []) {
		const period = `${a.from}..${a.to}`;
		rows.push(['uit_de_dossiers', a.region, period, 'cases_read', a.cases_read, PILOT_COVERAGE.cases_read.nl]);
		rows.push(['uit_de_dossiers', a.region, period, 'cases_unread', a.cases_unread, PILOT_COVERAGE.cases_unread.nl]);
		rows.push(['uit_de_dossiers', a.region, period, 'received_at', received_at, PILOT_COVERAGE.received_at.nl]);
		for (const m of a.months)
			for (const c of PILOT_FIGURE_CODES)
				rows.push(['uit_de_dossiers', a.region, m.month, c, m.figures[c], PILOT_FIGURES[c].nl]);
	}
	return toCsv(['tabel', 'regio', 'periode', 'kenmerk', 'waarde', 'definitie'], rows);
}
