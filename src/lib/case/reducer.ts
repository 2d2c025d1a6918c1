/**
 * The case reducer: folds the ordered events of a case room into the current
 * case view. Pure and total: any input, however malformed, yields a view.
 *
 * Rules:
 * - Derived state changes only through events that pass their schema, come from
 *   a sender with the right (permissions.ts) and arrive as they must (records
 *   encrypted). Anything else is kept in the timeline as a flagged entry.
 * - Local echoes (pending or failed sends) appear in the timeline but change
 *   nothing until the homeserver has accepted them.
 * - Triage decisions are versioned, never overwritten: each names the decision it
 *   supersedes; one that does not build on the latest is flagged as a conflict.
 * - So is the intake: a correction names the version it supersedes; the latest
 *   valid version is the case's intake and every version stays in intakeVersions.
 *   A correction by the opener (before regie) must come from the first version's author.
 */
import { COMPARTMENT_POINTER } from './compartments.ts';
import type { Directory } from '../directory/directory.ts';
import { NAMESPACE, RECORD, STATE } from './event-types.ts';
import { canCoordinate, refusal } from './permissions.ts';
import { AccessState, CaseState, PHASES, RegieState, TriageStatusState, type Phase } from './state.ts';
import {
	RECORD_SCHEMAS,
	DOMAINS,
	type IntakeRecord,
	type TriageRecord,
	type ConsentRecord,
	type UpdateRecord,
	type HandoverRecord,
	type ClosureRecord,
	type MembershipNoteRecord,
	type SignalRecord,
	type ReopenRecord,
	type RiskAssessment,
	type StepRecord,
	riskChanges
} from './records.ts';
import { isReopening } from './reopen.ts';
import { triageDeadline, triageOverdue, reviewDue } from './deadlines.ts';
import type { CaseEventInput, CaseView, RiskVersion, TimelineEntry } from './view.ts';

export interface ReduceContext {
	directory: Directory;
	serviceUserId: string;
	/** The clock, for deadlines. */
	now: number;
}

export function emptyView(): CaseView {
	return {
		reference: null,
		region: null,
		phase: 'first_contact',
		firstReportAt: null,
		acute: null,
		triageDeadline: null,
		triagedAt: null,
		triageOverdue: false,
		triagedWithinDeadline: null,
		closedAt: null,
		retentionUntil: null,
		facts: null,
		person: null,
		summary: null,
		intake: null,
		intakeVersions: [],
		people: null,
		risk: { current: null, versions: [] },
		steps: { latest: {}, all: [] },
		regie: { regiehouder: null, deputy: null, since: null, handovers: 0, history: [] },
		access: [],
		consent: {},
		triage: { latest: null, perDomain: {}, nextReview: null, reviewOverdue: false, decisions: [] },
		updates: [],
		signals: [],
		closure: null,
		earlierClosures: [],
		reopenings: [],
		memberNotes: {},
		timeline: [],
		flagged: [],
		state: { case: null, regie: null, access: null, triageStatus: null }
	};
}

const phaseRank = (p: Phase) => PHASES.indexOf(p);
const laterPhase = (a: Phase, b: Phase): Phase => (phaseRank(a) >= phaseRank(b) ? a : b);

export function reduceCase(events: readonly CaseEventInput[], ctx: ReduceContext): CaseView {
	const view = emptyView();
	for (const event of events) applyEvent(view, event, ctx);
	return finish(view, ctx.now);
}

/** Recomputes the clock-dependent fields (deadlines) for another moment. */
export function finish(view: CaseView, now: number): CaseView {
	view.triageDeadline = view.firstReportAt ? triageDeadline(view.firstReportAt) : null;
	view.triageOverdue = triageOverdue(
		{ triageDeadline: view.triageDeadline, triaged: view.triagedAt !== null, phase: view.phase },
		now
	);
	view.triagedWithinDeadline =
		view.triageDeadline === null || view.triagedAt === null
			? null
			: Date.parse(view.triagedAt) <= Date.parse(view.triageDeadline);
	view.triage.reviewOverdue = reviewDue({ nextReview: view.triage.nextReview, phase: view.phase }, now);
	return view;
}

/** Folds one event into the view (mutating it); the building block of reduceCase. */
export function applyEvent(view: CaseView, event: CaseEventInput, ctx: ReduceContext): void {
	const base: Pick<TimelineEntry, 'id' | 'ts' | 'sender' | 'type' | 'local' | 'location'> = {
		id: event.id,
		ts: event.ts,
		sender: event.sender,
		type: event.type,
		local: event.local
	};
	if (event.location !== undefined) base.location = event.location;
	const flag = (kind: 'invalid' | 'unauthorised' | 'undecryptable', problem: string) => {
		const entry: TimelineEntry = { ...base, kind, problem };
		view.timeline.push(entry);
		view.flagged.push(entry);
	};

	if (event.undecryptable !== undefined) return flag('undecryptable', event.undecryptable);
	if (event.redacted) return void view.timeline.push({ ...base, kind: 'message', text: '' });
	if (event.local) {
		// Shown, but not folded in: only what the homeserver accepted counts.
		return void view.timeline.push({
			...base,
			kind: event.type.startsWith(NAMESPACE) ? 'record' : 'message',
			data: event.content,
			text: textOf(event.content)
		});
	}

	const isState = event.stateKey !== undefined;
	if (event.type === 'm.room.message') {
		if (!event.encrypted && event.sender === ctx.serviceUserId && isNotice(event.content)) {
			return void view.timeline.push({ ...base, kind: 'notice', text: textOf(event.content), data: event.content });
		}
		if (!event.encrypted) return flag('invalid', 'discussion must be end-to-end encrypted');
		return void view.timeline.push({ ...base, kind: 'message', text: textOf(event.content) });
	}
	if (!event.type.startsWith(NAMESPACE)) return; // other Matrix events (membership, power levels…) are not case records

	const actors = {
		directory: ctx.directory,
		serviceUserId: ctx.serviceUserId,
		regiehouder: view.regie.regiehouder,
		deputy: view.regie.deputy,
		openerMayRecord: view.regie.regiehouder === null && view.triage.latest === null
	};

	if (isState && event.type === COMPARTMENT_POINTER) return; // where a compartment lives: read from the room state (issue 13)
	if (isState) {
		if (event.stateKey !== '') return flag('invalid', `unexpected state key "${event.stateKey}"`);
		const problem = applyState(view, event, actors, ctx);
		if (problem) return flag(problem.kind, problem.message);
		return void view.timeline.push({ ...base, kind: 'state', data: event.content });
	}

	const schema = (RECORD_SCHEMAS as Record<string, (typeof RECORD_SCHEMAS)[keyof typeof RECORD_SCHEMAS]>)[event.type];
	if (!schema) return flag('invalid', `unknown record type ${event.type}`);
	if (!event.encrypted) return flag('invalid', 'case records must be end-to-end encrypted');
	const parsed = schema.safeParse(stripBody(event.content));
	if (!parsed.success) return flag('invalid', describeIssues(parsed.error.issues));
	const denied = refusal(actors, event.type, event.sender);
	if (denied) return flag('unauthorised', denied);
	if (event.type === RECORD.intake) {
		const notOpener = intakeRevisionRefusal(view, event.sender, actors);
		if (notOpener) return flag('unauthorised', notOpener);
	}
	const problem = applyRecord(view, event, parsed.data);
	if (problem) return flag('invalid', problem);
	view.timeline.push({ ...base, kind: 'record', data: parsed.data });
}

/**
 * A correction of the intake before regie is assigned may come only from whoever
 * wrote the first version (the opener); coordinators may always correct it.
 */
function intakeRevisionRefusal(view: CaseView, sender: string, actors: Parameters<typeof refusal>[0]): string | null {
	const first = view.intakeVersions[0];
	if (!first || sender === first.sender || canCoordinate(actors, sender)) return null;
	return 'only the regiehouder, the deputy, the MDT chair or (before regie) the opener may correct the intake';
}

type Problem = { kind: 'invalid' | 'unauthorised'; message: string } | null;

function applyState(
	view: CaseView,
	event: CaseEventInput,
	actors: Parameters<typeof refusal>[0],
	_ctx: ReduceContext
): Problem {
	const schema =
		event.type === STATE.case
			? CaseState
			: event.type === STATE.regie
				? RegieState
				: event.type === STATE.access
					? AccessState
					: event.type === STATE.triageStatus
						? TriageStatusState
						: null;
	if (!schema) return { kind: 'invalid', message: `unknown state type ${event.type}` };
	const parsed = schema.safeParse(event.content);
	if (!parsed.success) return { kind: 'invalid', message: describeIssues(parsed.error.issues) };
	const denied = refusal(actors, event.type, event.sender);
	if (denied) return { kind: 'unauthorised', message: denied };

	switch (event.type) {
		case STATE.case: {
			const next = parsed.data as CaseState;
			const prev = view.state.case;
			if (
				prev &&
				(prev.reference !== next.reference ||
					prev.region !== next.region ||
					prev.first_report_at !== next.first_report_at)
			) {
				return { kind: 'invalid', message: 'the reference, region and time of first report of a case never change' };
			}
			// The one way back: the service reopens a closed case (reopen.ts), clearing the closure dates.
			const reopening =
				isReopening(prev, next) &&
				event.sender === actors.serviceUserId &&
				next.closed_at === null &&
				next.retention_until === null;
			if (prev && !reopening && phaseRank(next.phase) < phaseRank(prev.phase)) {
				return { kind: 'invalid', message: `the phase cannot go back from ${prev.phase} to ${next.phase}` };
			}
			if (reopening) {
				view.state.case = next;
				view.phase = next.phase;
				view.closedAt = null;
				view.retentionUntil = null;
				view.reopenings.push({ at: new Date(event.ts).toISOString(), eventId: event.id, record: null });
				if (view.closure) view.earlierClosures.push(view.closure);
				view.closure = null;
				return null;
			}
			view.state.case = next;
			view.reference = next.reference;
			view.region = next.region;
			view.firstReportAt = next.first_report_at;
			view.acute = next.acute;
			view.phase = laterPhase(view.phase, next.phase);
			if (next.closed_at) view.closedAt ??= next.closed_at;
			view.retentionUntil = next.retention_until;
			return null;
		}
		case STATE.regie: {
			const next = parsed.data as RegieState;
			view.state.regie = next;
			view.regie.regiehouder = next.regiehouder;
			view.regie.deputy = next.deputy;
			view.regie.since = next.since;
			view.regie.handovers = next.handovers;
			return null;
		}
		case STATE.access: {
			const next = parsed.data as AccessState;
			view.state.access = next;
			view.access = next.organisations;
			return null;
		}
		case STATE.triageStatus: {
			view.state.triageStatus = parsed.data as TriageStatusState;
			return null;
		}
	}
	return null;
}

function applyRecord(view: CaseView, event: CaseEventInput, record: unknown): string | null {
	const meta = { eventId: event.id, sender: event.sender };
	const closed = view.phase === 'closed';
	switch (event.type) {
		case RECORD.intake: {
			const r = record as IntakeRecord;
			if (closed) return 'the case is closed';
			if (view.reference && r.facts.reference !== view.reference)
				return `the intake is for ${r.facts.reference}, not for this case (${view.reference})`;
			const latest = view.intake;
			if ((r.supersedes ?? null) !== (latest?.eventId ?? null)) {
				return `conflict: this intake builds on ${r.supersedes ?? 'nothing'}, but the latest intake is ${latest?.eventId ?? 'none'} (version ${view.intakeVersions.length}); record it again on top of the latest`;
			}
			if (
				latest &&
				(latest.record.facts.region !== r.facts.region ||
					latest.record.facts.first_report_at !== r.facts.first_report_at)
			)
				return 'the region and time of first report of a case never change';
			const previousIntakeRisk = latest?.record.risk ?? null;
			view.intake = { ...meta, record: r };
			view.intakeVersions.push({ ...meta, ts: event.ts, record: r });
			if (r.people) view.people = r.people;
			// An intake version that restates the risk it had does not undo a later triage's weighing.
			if (r.risk && (!previousIntakeRisk || riskChanges(previousIntakeRisk, r.risk).length > 0))
				weighRisk(view, { ...meta, source: 'intake', at: new Date(event.ts).toISOString(), risk: r.risk });
			view.facts = r.facts;
			view.person = r.person;
			view.summary = r.summary;
			view.acute ??= r.facts.acute;
			view.phase = laterPhase(view.phase, 'triage');
			return null;
		}
		case RECORD.triage: {
			const r = record as TriageRecord;
			if (closed) return 'the case is closed';
			const latest = view.triage.latest;
			const expectedSeq = (latest?.record.seq ?? 0) + 1;
			if (r.seq !== expectedSeq || r.supersedes !== (latest?.eventId ?? null)) {
				return `conflict: this decision builds on ${r.supersedes ?? 'nothing'} (number ${r.seq}), but the latest decision is ${latest?.eventId ?? 'none'} (number ${expectedSeq - 1}); record it again on top of the latest`;
			}
			view.triage.latest = { ...meta, record: r };
			view.triage.decisions.push({ ...meta, record: r });
			for (const domain of DOMAINS) {
				view.triage.perDomain[domain] = {
					decision: r.domains[domain],
					decidedAt: r.decided_at,
					eventId: event.id,
					seq: r.seq
				};
			}
			if (r.risk) weighRisk(view, { ...meta, source: 'triage', at: r.decided_at, risk: r.risk });
			view.triage.nextReview = r.next_review;
			view.triagedAt ??= r.decided_at;
			view.phase = laterPhase(view.phase, 'regie');
			return null;
		}
		case RECORD.consent: {
			const r = record as ConsentRecord;
			for (const org of r.organisations) {
				view.consent[org] = {
					org,
					status: r.status,
					purposes: r.purposes,
					basis: r.basis,
					givenBy: r.given_by,
					recordedBy: event.sender,
					recordedAt: r.recorded_at,
					eventId: event.id
				};
			}
			return null;
		}
		case RECORD.update: {
			view.updates.push({ ...meta, record: record as UpdateRecord });
			return null;
		}
		case RECORD.handover: {
			const r = record as HandoverRecord;
			if (closed) return 'the case is closed';
			view.regie.history.push({ ...meta, record: r });
			return null;
		}
		case RECORD.closure: {
			const r = record as ClosureRecord;
			if (closed) return 'the case is already closed';
			view.closure = { ...meta, record: r };
			view.closedAt = r.decided_at;
			view.phase = 'closed';
			return null;
		}
		case RECORD.signal: {
			if (closed) return 'the case is closed';
			view.signals.push({ ...meta, record: record as SignalRecord });
			return null;
		}
		case RECORD.step: {
			if (closed) return 'the case is closed';
			const entry = { ...meta, record: record as StepRecord };
			view.steps.all.push(entry);
			const prev = view.steps.latest[entry.record.step];
			// The latest by date is the fact; a record about an earlier date does not undo a later one.
			if (!prev || prev.record.date <= entry.record.date) view.steps.latest[entry.record.step] = entry;
			return null;
		}
		case RECORD.reopen: {
			// The reopener's words, right after the service reopened the case.
			const last = view.reopenings.at(-1);
			if (closed || !last) return 'the case has not been reopened';
			if (last.record) return 'this reopening already has its record';
			last.record = { ...meta, record: record as ReopenRecord };
			return null;
		}
		case RECORD.membershipNote: {
			const r = record as MembershipNoteRecord;
			(view.memberNotes[r.user] ??= []).push({ ...meta, record: r });
			return null;
		}
	}
	return `unknown record type ${event.type}`;
}

/** A new weighing of the risk: it becomes the current one; a change is kept as a version. */
function weighRisk(view: CaseView, next: Omit<RiskVersion, 'changed'> & { risk: RiskAssessment }): void {
	const changed = riskChanges(view.risk.current?.risk ?? null, next.risk);
	if (view.risk.current && changed.length === 0) return;
	const version: RiskVersion = { ...next, changed };
	view.risk.current = version;
	view.risk.versions.push(version);
}

function stripBody(content: unknown): unknown {
	if (!content || typeof content !== 'object' || Array.isArray(content)) return content;
	const { body: _body, msgtype: _msgtype, ...rest } = content as Record<string, unknown>;
	return rest;
}

function isNotice(content: unknown): boolean {
	return !!content && typeof content === 'object' && 'msgtype' in content && content.msgtype === 'm.notice';
}

function textOf(content: unknown): string {
	if (content && typeof content === 'object' && 'body' in content && typeof content.body === 'string')
		return content.body;
	return '';
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
	return issues
		.slice(0, 5)
		.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
		.join('; ');
}
