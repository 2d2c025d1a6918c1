/**
 * The privacy console's server side. Every call authenticates the caller's own
 * Matrix token (/whoami) and requires the directory role privacy-officer; the
 * homeserver is then read and changed as the service account, whose credential
 * never leaves the server. Responses carry metadata only and pass through the
 * strict schemas in src/lib/privacy/schemas.ts; every action is audited.
 */
import { z } from 'zod';
import type { CaseService } from '../cases.ts';
import type { ServiceClient } from '../synapse-admin.ts';
import { Refusal, badRequest, forbidden, invalidInput, noSuchCase, unavailable } from '../errors.ts';
import { hasRole, type Directory } from '../../directory/directory.ts';
import { MatrixUserId } from '../../directory/schema.ts';
import { Day } from '../../case/primitives.ts';
import { PrivacyActionReason, type RemoveReason } from '../../case/reasons.ts';
import { serviceNotice } from '../../case/notices.ts';
import { retentionAllowed } from '../../case/policy.ts';
import { retentionUntil } from '../../case/deadlines.ts';
import { currentMembers } from '../../case/room-state.ts';
import { CaseState } from '../../case/state.ts';
import { STATE } from '../../case/event-types.ts';
import {
	ActionResponse,
	AuditResponse,
	CaseDetailResponse,
	FiguresResponse,
	MeResponse,
	OverviewResponse,
	ReportResponse,
	type AuditAction,
	type AuditEntry,
	shownActionReason,
	type ReportRow,
	type StrayRoom
} from '../../privacy/schemas.ts';
import {
	accessHistory,
	caseHistory,
	figureCase,
	isDeletable,
	membershipHistory,
	parseCaseRoom,
	referenceOf,
	retentionDatesProblem,
	retentionWindowOf,
	summarise,
	type ParsedCase,
	type RawEvent,
	type ReviewContext
} from '../../privacy/review.ts';
import { computeFigures, dutchDay, type FigureCase } from '../../privacy/figures.ts';
import { reportResponse, reportRow } from '../../privacy/report.ts';
import { AuditLog } from './audit.ts';
import { accountStatuses, compartmentReviews, guardRejections, roomHistory, roomState } from './homeserver.ts';
import { RoomIndex } from './room-index.ts';
import { PilotStore } from './pilot-store.ts';
import { OverviewStore } from './overview-store.ts';
import { overviewPage, overviewQueryFrom } from '../../privacy/overview.ts';
import { deleteCase, RETENTION_JOB_ACTOR } from './retention.ts';
import { refusal } from '../../refusal.ts';
import type { PrivacySettings } from './settings.ts';

export const ROLE = 'privacy-officer';

const RemoveInput = z.strictObject({ user_id: MatrixUserId, reason: PrivacyActionReason });
const ReviewInput = z.strictObject({ reason: PrivacyActionReason });
const RetentionInput = z.strictObject({ months: z.number().int(), reason: PrivacyActionReason });
const DeleteInput = z.strictObject({ reason: PrivacyActionReason, confirm_reference: z.string().max(40) });
const RoomIdParam = z.string().regex(/^![A-Za-z0-9._~+/=:-]{1,250}$/, 'not a room ID');

/** The code a member sees when the privacy officer removes them, from the officer's reason. */
export function removalReason(reason: PrivacyActionReason): RemoveReason {
	switch (reason) {
		case 'member-not-covered':
			return 'not-covered';
		case 'member-left-organisation':
			return 'role-ended';
		default:
			return 'access-review';
	}
}

function parseInput<T>(schema: z.ZodType<T>, body: unknown): T {
	const parsed = schema.safeParse(body);
	if (!parsed.success) throw invalidInput(parsed.error);
	return parsed.data;
}

export interface Period {
	from: string;
	to: string;
}

/** A reporting period from query parameters; by default the last three calendar months up to today. */
export function parsePeriod(params: URLSearchParams, now = Date.now()): Period {
	const today = dutchDay(new Date(now).toISOString());
	const d = new Date(now);
	const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 2, 1)).toISOString().slice(0, 10);
	const from = params.get('from') || start;
	const to = params.get('to') || today;
	for (const [name, value] of [
		['from', from],
		['to', to]
	] as const) {
		if (!Day.safeParse(value).success)
			throw badRequest(`${name}: een datum zoals 2026-03-01`, `${name}: a date such as 2026-03-01`);
	}
	if (from > to) throw badRequest('De periode begint na het einde.', 'The period starts after it ends.');
	return { from, to };
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = [];
	for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
	return out;
}

export class PrivacyService {
	constructor(
		readonly cases: CaseService,
		readonly settings: PrivacySettings,
		readonly audit: AuditLog | null = settings.auditLog ? new AuditLog(settings.auditLog) : null,
		/** Every room's console-relevant state, followed incrementally (room-index.ts). */
		readonly index: RoomIndex = new RoomIndex(cases.service, {
			file: settings.indexFile,
			sweepMinutes: settings.indexSweepMinutes
		}),
		/** The aggregates the MDT chairs sent (issue 14). */
		readonly pilot: PilotStore | null = settings.pilotFile ? new PilotStore(settings.pilotFile) : null,
		/** The overview's summaries, precomputed (overview-store.ts). */
		readonly overviewStore: OverviewStore = new OverviewStore()
	) {}

	get service(): ServiceClient {
		return this.cases.service;
	}

	/** The caller, when their token is valid (else 401) and the directory lists them as privacy officer (else 403). */
	async officer(token: string | null | undefined): Promise<{ userId: string; directory: Directory }> {
		const userId = await this.cases.authenticate(token);
		const directory = await this.cases.directory();
		if (!hasRole(directory, userId, ROLE))
			throw forbidden(
				'Alleen privacy officers gebruiken de privacyconsole.',
				'Only privacy officers use the privacy console.'
			);
		return { userId, directory };
	}

	/** Any signed-in user: whether they are a privacy officer (the app's landing page), and the retention limits. */
	async me(token: string | null | undefined): Promise<MeResponse> {
		// The landing-page check of every sign-in (README, "The case list at scale"): who is asking and
		// the directory now, read side by side (a refused token has then cost one directory read).
		const [userId, directory] = await Promise.all([this.cases.authenticate(token), this.cases.directory()]);
		return MeResponse.parse({
			user_id: userId,
			privacy_officer: hasRole(directory, userId, ROLE),
			retention: this.settings.retention
		});
	}

	private requireAudit(): AuditLog {
		if (!this.audit)
			throw unavailable(
				'Het auditlog is niet ingesteld (CASUS_AUDIT_LOG of CASUS_DATA_DIR); de console doet daarom niets.',
				'The audit log is not configured (CASUS_AUDIT_LOG or CASUS_DATA_DIR), so the console refuses to act.'
			);
		return this.audit;
	}

	private async record(
		actor: string,
		action: AuditAction,
		fields: {
			room_id?: string | null;
			reference?: string | null;
			target?: string | null;
			reason?: PrivacyActionReason | null;
			outcome: string;
		}
	) {
		await this.requireAudit().append({ actor, action, ...fields });
	}

	private async context(directory: Directory): Promise<ReviewContext> {
		return {
			directory,
			retention: this.settings.retention,
			cleanupFailed: this.audit ? cleanupFailures(this.audit.read().entries) : new Set(),
			accounts: await accountStatuses(this.service),
			serviceUserId: this.service.userId,
			now: Date.now(),
			inactiveDays: this.settings.inactiveDays
		};
	}

	private async loadCase(roomId: string): Promise<ParsedCase> {
		if (!RoomIdParam.safeParse(roomId).success) throw noSuchCase();
		const state = await roomState(this.service, roomId);
		if (!state) {
			this.index.forget(roomId); // deleted without the app; the overview stops listing it
			throw noSuchCase();
		}
		const parsed = parseCaseRoom(roomId, state as RawEvent[]);
		if (!parsed.isCaseRoom) throw noSuchCase();
		return parsed;
	}

	/** Every case and stray room, from the index brought up to date (not by reading every room). */
	private async allRooms(): Promise<{ cases: ParsedCase[]; stray: StrayRoom[] }> {
		await this.index.fresh();
		return this.index.read();
	}

	/**
	 * One page of the overview (issue 15): the cases matching the query in the overview's order (most
	 * urgent signals first), the counts over every case, and the stray rooms. The summaries come
	 * precomputed from the store; only the page passes the response schema and leaves the server.
	 */
	async overview(token: string | null | undefined, params = new URLSearchParams()): Promise<OverviewResponse> {
		const { userId, directory } = await this.officer(token);
		this.requireAudit();
		const parsed = overviewQueryFrom(params);
		if (!parsed.success) throw invalidInput(parsed.error);
		const query = parsed.data;
		// A view: answered from the index when it caught up recently (the catch-up follows in the
		// background); the response says up to when it is complete (indexed_at).
		const [, ctx] = await Promise.all([
			this.index.current(this.settings.overviewMaxAgeSeconds * 1000),
			this.context(directory)
		]);
		const { cases: entries, stray } = this.index.entries();
		const { sorted, counts } = this.overviewStore.rows(entries, ctx);
		const page = overviewPage(sorted, query);
		const response = OverviewResponse.parse({
			generated_at: new Date(ctx.now).toISOString(),
			indexed_at: new Date(this.index.upTo ?? ctx.now).toISOString(),
			inactive_days: this.settings.inactiveDays,
			retention: this.settings.retention,
			query,
			matched: page.matched,
			counts,
			cases: page.cases,
			stray_rooms: stray
		});
		await this.record(userId, 'view-overview', {
			outcome: `${response.cases.length} of ${page.matched} cases from ${query.offset} (${counts.all} in all)`
		});
		return response;
	}

	async caseDetail(token: string | null | undefined, roomId: string): Promise<CaseDetailResponse> {
		const { userId, directory } = await this.officer(token);
		this.requireAudit();
		const c = await this.loadCase(roomId);
		const [ctx, history, rejections] = await Promise.all([
			this.context(directory),
			roomHistory(this.service, roomId),
			guardRejections(this.service, roomId)
		]);
		const { summary, members } = summarise(c, ctx);
		const compartments = await compartmentReviews(this.service, c.compartments, c.access, directory);
		const response = CaseDetailResponse.parse({
			case: summary,
			acute: c.caseState?.acute ?? null,
			regie: c.regie
				? {
						regiehouder: c.regie.regiehouder,
						deputy: c.regie.deputy,
						since: c.regie.since,
						handovers: c.regie.handovers
					}
				: null,
			access: (c.access?.organisations ?? []).map((o) => ({
				org: o.org,
				basis: o.basis,
				ground: o.basis === 'statutory' ? o.ground : null,
				since: o.since
			})),
			members,
			membership_history: membershipHistory(history as RawEvent[]),
			access_history: accessHistory(history as RawEvent[]),
			case_history: caseHistory(history as RawEvent[]),
			retention: { ...this.settings.retention, ...retentionWindowOf(c, this.settings.retention) },
			guard_rejections: rejections,
			inactive_days: this.settings.inactiveDays,
			compartments
		});
		await this.record(userId, 'view-case', { room_id: roomId, reference: summary.reference, outcome: 'shown' });
		return response;
	}

	/** Runs an action and records it, with its outcome, whether it succeeds or fails. */
	private async act(
		actor: string,
		action: AuditAction,
		fields: { room_id: string; reference: string | null; target?: string | null; reason: PrivacyActionReason },
		run: () => Promise<{ outcome: string; retention_until?: string }>
	): Promise<ActionResponse> {
		this.requireAudit();
		let result;
		try {
			result = await run();
		} catch (err) {
			this.index.expire(); // a failed action may have changed something too

			const outcome =
				err instanceof Refusal ? `refused: ${err.code}` : `failed: ${err instanceof Error ? err.name : 'error'}`;
			await this.record(actor, action, { ...fields, outcome });
			throw err;
		}
		// The officer's next look at the overview shows what the action changed: it waits for a catch-up.
		this.index.expire();
		await this.record(actor, action, { ...fields, outcome: result.outcome });
		return ActionResponse.parse({ ok: true, action, room_id: fields.room_id, ...result });
	}

	async removeMember(token: string | null | undefined, roomId: string, body: unknown): Promise<ActionResponse> {
		const { userId } = await this.officer(token);
		const input = parseInput(RemoveInput, body);
		const c = await this.loadCase(roomId);
		return this.act(
			userId,
			'remove-member',
			{ room_id: roomId, reference: referenceOf(c), target: input.user_id, reason: input.reason },
			async () => {
				const membership = c.memberships.get(input.user_id)?.membership;
				if (input.user_id === this.service.userId)
					throw forbidden(
						'Het serviceaccount kan niet uit een casus worden verwijderd.',
						'The service account cannot be removed from a case.'
					);
				if (membership !== 'join' && membership !== 'invite')
					throw refusal(
						'not-member',
						`${input.user_id} is geen lid van deze casus.`,
						`${input.user_id} is not a member of this case.`,
						400
					);
				await this.service.kick(roomId, input.user_id, removalReason(input.reason));
				return { outcome: membership === 'invite' ? 'invitation withdrawn' : 'removed' };
			}
		);
	}

	async requestReview(token: string | null | undefined, roomId: string, body: unknown): Promise<ActionResponse> {
		const { userId } = await this.officer(token);
		const input = parseInput(ReviewInput, body);
		const c = await this.loadCase(roomId);
		return this.act(
			userId,
			'request-review',
			{ room_id: roomId, reference: referenceOf(c), target: c.regie?.regiehouder ?? null, reason: input.reason },
			async () => {
				if (c.caseState?.phase === 'closed')
					throw forbidden(
						'Deze casus is afgesloten; niemand leest de casusruimte nog.',
						'This case is closed; nobody reads its room any more.',
						'closed'
					);
				// Exactly the fixed notice: the officer's reason stays in the audit log, never in the room.
				await this.service.sendMessage(roomId, 'm.room.message', serviceNotice('access-review-requested'));
				return { outcome: 'notice sent' };
			}
		);
	}

	async setRetention(token: string | null | undefined, roomId: string, body: unknown): Promise<ActionResponse> {
		const { userId } = await this.officer(token);
		const input = parseInput(RetentionInput, body);
		const c = await this.loadCase(roomId);
		const { min_months: min, max_months: max } = this.settings.retention;
		return this.act(
			userId,
			'set-retention',
			{ room_id: roomId, reference: referenceOf(c), reason: input.reason },
			async () => {
				const current = c.caseState;
				if (!current)
					throw forbidden(
						'De casusgegevens zijn niet geldig; ze kunnen hier niet worden gewijzigd.',
						'The case state is not valid; it cannot be changed here.'
					);
				if (current.phase !== 'closed' || !current.closed_at)
					throw forbidden(
						'Een bewaartermijn geldt alleen voor afgesloten casussen; een open casus wordt bewaard.',
						'Retention is set for closed cases only; an open case is kept.',
						'not-allowed'
					);
				const datesProblem = retentionDatesProblem(c, this.settings.retention, Date.now());
				if (datesProblem && datesProblem !== 'retention-missing' && datesProblem !== 'retention-outside-window')
					throw forbidden(
						`De data van deze casus kloppen niet (${datesProblem}); de bewaartermijn kan niet worden ingesteld.`,
						`The dates of this case break the rules (${datesProblem}); retention cannot be set.`
					);
				const until = retentionUntil(current.closed_at, input.months);
				if (
					input.months < min ||
					input.months > max ||
					!retentionAllowed(current.closed_at, until, this.settings.retention)
				)
					throw badRequest(
						`months: tussen ${min} en ${max} maanden na afsluiting.`,
						`months: between ${min} and ${max} months after closure.`
					);
				// Every other field stays as it is; the schema refuses anything else.
				const next = CaseState.parse({ ...current, retention_until: until });
				await this.service.sendState(roomId, STATE.case, '', next);
				return {
					outcome: `retention until ${until} (${input.months} months after closure, was ${current.retention_until ?? 'not set'})`,
					retention_until: until
				};
			}
		);
	}

	async deleteCase(token: string | null | undefined, roomId: string, body: unknown): Promise<ActionResponse> {
		const { userId } = await this.officer(token);
		const input = parseInput(DeleteInput, body);
		const c = await this.loadCase(roomId);
		const reference = referenceOf(c);
		const fields = { room_id: roomId, reference, reason: input.reason };
		if (input.confirm_reference.trim() !== (reference ?? roomId)) {
			await this.record(userId, 'delete-case', {
				...fields,
				outcome: 'refused: confirmation does not match the reference'
			});
			throw badRequest(
				'confirm_reference: typ het kenmerk van de casus ter bevestiging.',
				'confirm_reference: type the case reference to confirm.'
			);
		}
		if (!isDeletable(c, Date.now(), this.settings.retention)) {
			await this.record(userId, 'delete-case', {
				...fields,
				outcome: 'refused: not closed, retention not yet over, or dates outside the rules'
			});
			throw forbidden(
				'Alleen een afgesloten casus waarvan de bewaartermijn volgens de regels is verstreken, kan worden verwijderd.',
				'Only a closed case whose retention period is over, by the rules, can be deleted.'
			);
		}
		const members = currentMembers(c, this.service.userId);
		try {
			await deleteCase(this.service, this.requireAudit(), {
				index: this.index,
				roomId,
				reference,
				actor: userId,
				reason: input.reason,
				members
			});
		} catch (err) {
			const detail = err instanceof Error ? err.message : String(err);
			throw unavailable(
				`De casus kon niet volledig worden verwijderd: ${detail}`,
				`The case could not be deleted completely: ${detail}`,
				502
			);
		}
		return ActionResponse.parse({ ok: true, action: 'delete-case', room_id: roomId, outcome: 'purged' });
	}

	async auditLog(token: string | null | undefined, limit = 500): Promise<AuditResponse> {
		await this.officer(token);
		const { entries, chain } = this.requireAudit().read();
		return AuditResponse.parse({
			entries: entries
				.slice(-limit)
				.reverse()
				.map((e) => ({ ...e, reason: shownActionReason(e.reason) })),
			total: entries.length,
			chain
		});
	}

	async report(token: string | null | undefined, period: Period): Promise<ReportResponse> {
		const { userId, directory } = await this.officer(token);
		const audit = this.requireAudit();
		const [{ cases }, ctx] = await Promise.all([this.allRooms(), this.context(directory)]);
		const inPeriod = (iso: string) => {
			const day = dutchDay(iso);
			return day >= period.from && day <= period.to;
		};
		const entries = audit.read().entries.filter((e) => inPeriod(e.ts));
		const live = cases.filter((c) => {
			const opened = dutchDay(c.openedAt);
			const closed = c.caseState?.closed_at ? dutchDay(c.caseState.closed_at) : null;
			return opened <= period.to && (!closed || closed >= period.from);
		});
		const rows = await inBatches(live, 4, async (c): Promise<ReportRow> => {
			const history = await roomHistory(this.service, c.roomId, ['m.room.member', STATE.access]);
			return reportRow(c, summarise(c, ctx), history as RawEvent[], entries, inPeriod, this.service.userId);
		});
		const response = ReportResponse.parse(reportResponse(period, rows, entries, RETENTION_JOB_ACTOR));
		await this.record(userId, 'export-report', { outcome: `${period.from}..${period.to}, ${rows.length} cases` });
		return response;
	}

	async figures(token: string | null | undefined, period: Period): Promise<FiguresResponse> {
		const { userId } = await this.officer(token);
		this.requireAudit();
		const { cases } = await this.allRooms();
		const facts = await inBatches(cases, 4, async (c): Promise<FigureCase | null> => {
			if (!c.caseState) return null;
			// The triage.status state holds the latest decision; the first one is in its history.
			const history =
				c.triage && c.triage.seq > 1 ? await roomHistory(this.service, c.roomId, [STATE.triageStatus]) : [];
			return figureCase(c, history as RawEvent[]);
		});
		// The chairs' aggregates from the records whose period overlaps this one, beside the server's own figures.
		const received = (this.pilot?.read() ?? []).filter(
			(r) => r.aggregate.from <= period.to && r.aggregate.to >= period.from
		);
		const response = FiguresResponse.parse({
			...computeFigures(
				facts.filter((f): f is FigureCase => f !== null),
				period
			),
			received
		});
		await this.record(userId, 'export-figures', { outcome: `${period.from}..${period.to}` });
		return response;
	}
}

/** Rooms whose failed creation the service could not clean up, and that no later cleanup or deletion removed. */
export function cleanupFailures(entries: readonly AuditEntry[]): Set<string> {
	const failed = new Set<string>();
	for (const e of entries) {
		if (!e.room_id) continue;
		if (e.action === 'create-case-cleanup') {
			if (e.outcome.startsWith('failed')) failed.add(e.room_id);
			else failed.delete(e.room_id);
		} else if (e.action === 'delete-case' && e.outcome === 'purged') failed.delete(e.room_id);
	}
	return failed;
}
