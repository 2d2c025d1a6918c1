/**
 * The access-review report and the CSV files of the console, from metadata the
 * server has already read: one row per case (counts only, no user IDs), the
 * officers' actions, the deleted cases; and the mapping of report and figures to
 * CSV columns. Pure: the server (src/lib/server/privacy/service.ts) does the I/O.
 */
import { toCsv } from '../csv.ts';
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

/** The figures in long form: one line per figure, so the file reads the same in any tool. */
export function figuresCsv(f: FiguresResponse): string {
	const rows: (string | number)[][] = [];
	f.per_month.forEach((m) =>
		m.cells.forEach((cell, i) => rows.push(['casussen_per_maand', f.regions[i]!, m.month, 'casussen', cell]))
	);
	for (const r of [...f.by_region, f.overall]) {
		for (const [key, value] of Object.entries(r))
			if (key !== 'region')
				rows.push([
					'per_regio',
					r.region === 'all' ? 'alle' : r.region,
					`${f.from}..${f.to}`,
					key,
					value as string | number
				]);
	}
	for (const h of f.handovers)
		rows.push(['regieoverdrachten', 'alle', `${f.from}..${f.to}`, `overdrachten_${h.bucket}`, h.cases]);
	for (const o of f.organisations)
		rows.push(['organisaties_per_casus', 'alle', `${f.from}..${f.to}`, `organisaties_${o.bucket}`, o.cases]);
	return toCsv(['tabel', 'regio', 'periode', 'kenmerk', 'waarde'], rows);
}
