/**
 * "Compartimenten" (issue 13): a coordinator of the case (the regiehouder, the
 * deputy or an MDT chair in it) opens a compartment and has members of the case
 * invited into one, with the history grant. The rules are the domain's
 * (src/lib/case/compartments.ts: openCompartmentRefusal, compartmentInviteRefusal,
 * DEFAULT_HISTORY), asked of the case as this client holds it; the app server asks
 * them again of the case room's state now, and the homeserver's guard once more.
 * The service account carries the request out (only it creates compartment rooms
 * and invites into them), so the writes go to the app's API, not to the outbox.
 */
import {
	COMPARTMENT_KINDS,
	CompartmentInviteInput,
	DEFAULT_HISTORY,
	HISTORY_GRANTS,
	OpenCompartmentInput,
	compartmentCaseOfView,
	compartmentInviteRefusal,
	coordinatesCase,
	openCompartmentRefusal,
	type CompartmentCase,
	type CompartmentKind,
	type CompartmentPointer,
	type HistoryGrant
} from '../case/compartments.ts';
import { PURPOSES, type Purpose } from '../case/primitives.ts';
import type { CompartmentInfo } from '../matrix/case-room.ts';
import type { CompartmentOut } from '../privacy/schemas.ts';
import { asRefusal, Refusal, refusal } from '../refusal.ts';
import type { CaseHandle } from './case-form.svelte.ts';
import { FormState } from './form.svelte.ts';
import type { Translate } from './validation.ts';
import { fromLocalInput } from '../i18n/format.ts';

/** What the panel needs of the open case: the case handle, and the compartments' pointers. */
export type CompartmentCaseHandle = Pick<CaseHandle, 'roomId' | 'view' | 'me' | 'members' | 'context'> & {
	readonly compartments: readonly CompartmentInfo[];
};

/** The app API the panel talks to (HttpCaseServerApi; tests give a fake). */
export interface CompartmentApi {
	compartments(roomId: string): Promise<CompartmentOut[]>;
	openCompartment(roomId: string, input: OpenCompartmentInput): Promise<{ id: string }>;
	inviteToCompartment(roomId: string, id: string, input: CompartmentInviteInput): Promise<unknown>;
}

/** One member of the case as the invite form offers them: choosable, or why not (the domain's refusal). */
export interface InviteCandidate {
	userId: string;
	org: string | null;
	refusal: Refusal | null;
}

export class OpenCompartmentForm {
	readonly form = new FormState();
	kind = $state<CompartmentKind | ''>('');
	/** Only for `apart`: what it is for. */
	purpose = $state<Purpose | ''>('');
	/** The id of the compartment opened last (for the confirmation). */
	opened = $state<string | null>(null);

	constructor(private readonly panel: CompartmentsPanel) {}

	/** The kinds with, for each, why it cannot be opened now (e.g. the case has it already), or null. */
	get kinds(): { kind: CompartmentKind; refusal: Refusal | null }[] {
		return COMPARTMENT_KINDS.map((kind) => ({
			kind,
			// `apart` asks for its purpose in the form; the other rules hold whatever it is.
			refusal: this.panel.openRefusal({ kind, purpose: kind === 'apart' ? 'coordination' : undefined })
		}));
	}

	/** Every kind, in the order the select offers them. */
	readonly kindOptions: readonly CompartmentKind[] = COMPARTMENT_KINDS;

	/** Why a kind cannot be opened now, or null: the select shows it and does not offer the kind. */
	refusalOf(kind: CompartmentKind): Refusal | null {
		return this.kinds.find((k) => k.kind === kind)?.refusal ?? null;
	}

	/** The purposes a separate compartment may serve. */
	readonly purposes: readonly Purpose[] = PURPOSES;

	async submit(t: Translate): Promise<boolean> {
		this.form.reset();
		this.opened = null;
		const input = this.form.validate(
			OpenCompartmentInput,
			{ kind: this.kind || undefined, purpose: this.kind === 'apart' ? this.purpose || undefined : undefined },
			t,
			'open'
		);
		if (input === null) return false;
		const refused = this.panel.openRefusal(input);
		if (refused) {
			this.form.refuse(refused);
			return false;
		}
		const opened = await this.form.call(() => this.panel.api!.openCompartment(this.panel.oc.roomId, input));
		if (!opened) return false;
		this.opened = opened.id;
		this.kind = '';
		this.purpose = '';
		await this.panel.load();
		return true;
	}
}

export class CompartmentInviteForm {
	readonly form = new FormState();
	/** The compartment (its id). */
	compartment = $state('');
	userId = $state('');
	/** The history grant chosen for the compartment it was chosen in; otherwise the purpose's default. */
	private chosen = $state<{ for: string; history: HistoryGrant } | null>(null);
	/** With history `from`: the first day the invitee may read (a calendar date, local time). */
	fromDate = $state('');
	/** Who was invited last, and where (for the confirmation). */
	sent = $state<{ userId: string; id: string } | null>(null);

	readonly histories: readonly HistoryGrant[] = HISTORY_GRANTS;

	constructor(
		private readonly panel: CompartmentsPanel,
		private readonly now: () => number = Date.now
	) {}

	/** The pointer of the chosen compartment. */
	get pointer(): CompartmentPointer | undefined {
		return this.panel.oc.compartments.find((c) => c.id === this.compartment)?.pointer;
	}

	/** The default grant: the one the purpose of the chosen compartment has (DEFAULT_HISTORY). */
	get defaultHistory(): HistoryGrant | null {
		const p = this.pointer;
		return p ? DEFAULT_HISTORY[p.purpose] : null;
	}

	get history(): HistoryGrant | '' {
		if (this.chosen && this.chosen.for === this.compartment) return this.chosen.history;
		return this.defaultHistory ?? '';
	}

	set history(value: HistoryGrant | '') {
		this.chosen = value ? { for: this.compartment, history: value } : null;
	}

	/**
	 * The members of the case who are not in the chosen compartment yet, each with the
	 * domain's reason why they cannot be chosen (their organisation's basis does not
	 * cover the purpose, their account is not active…), or null when they can.
	 */
	get candidates(): InviteCandidate[] {
		const id = this.compartment;
		if (!id) return [];
		const ctx = this.panel.oc.context();
		if (!ctx) return [];
		const c = this.panel.compartmentCase;
		const inside = this.panel.membersOf(id);
		return this.panel.oc.members
			.filter((m) => (m.membership === 'join' || m.membership === 'invite') && !inside.includes(m.userId))
			.map((m) => ({
				userId: m.userId,
				org: m.org,
				refusal: compartmentInviteRefusal(c, this.panel.oc.me, ctx.directory, id, m.userId)
			}));
	}

	get choosable(): InviteCandidate[] {
		return this.candidates.filter((c) => c.refusal === null);
	}

	get notChoosable(): InviteCandidate[] {
		return this.candidates.filter((c) => c.refusal !== null);
	}

	async submit(t: Translate): Promise<boolean> {
		this.form.reset();
		this.sent = null;
		if (!this.pointer) {
			this.form.fail({ 'invite.compartment': t('form.chooseOne') });
			return false;
		}
		let from: string | undefined;
		if (this.history === 'from') {
			// The start of that day where the inviter is; never later than now (that would grant nothing yet).
			from = /^\d{4}-\d{2}-\d{2}$/.test(this.fromDate) ? fromLocalInput(`${this.fromDate}T00:00`) : '';
			if (!from) {
				this.form.fail({ 'invite.from': t(this.fromDate ? 'form.invalidDate' : 'form.required') });
				return false;
			}
			if (Date.parse(from) > this.now()) {
				this.form.fail({ 'invite.from': t('compartments.fromFuture') });
				return false;
			}
		}
		const input = this.form.validate(
			CompartmentInviteInput,
			{ user_id: this.userId || undefined, history: this.history || undefined, from },
			t,
			'invite'
		);
		if (input === null) return false;
		const ctx = this.panel.oc.context();
		const refused = ctx
			? compartmentInviteRefusal(
					this.panel.compartmentCase,
					this.panel.oc.me,
					ctx.directory,
					this.compartment,
					input.user_id
				)
			: refusal('unavailable', 'De casus is nog niet geladen.', 'The case has not loaded yet.');
		if (refused) {
			this.form.refuse(refused);
			return false;
		}
		const id = this.compartment;
		const sent = await this.form.call(async () => {
			await this.panel.api!.inviteToCompartment(this.panel.oc.roomId, id, input);
			return true;
		});
		if (!sent) return false;
		this.sent = { userId: input.user_id, id };
		this.userId = '';
		this.chosen = null;
		this.fromDate = '';
		await this.panel.load();
		return true;
	}
}

/**
 * The panel: the case's compartments (the pointers every member sees; for a
 * coordinator also who is in each, from the app server), and the two forms.
 */
export class CompartmentsPanel {
	/** Who is in each compartment (coordinators only; null until loaded, or for other members). */
	listed = $state.raw<CompartmentOut[] | null>(null);
	loadError = $state.raw<Refusal | null>(null);
	readonly open: OpenCompartmentForm;
	readonly invite: CompartmentInviteForm;

	constructor(
		readonly oc: CompartmentCaseHandle,
		readonly api: CompartmentApi | null,
		now: () => number = Date.now
	) {
		this.open = new OpenCompartmentForm(this);
		this.invite = new CompartmentInviteForm(this, now);
	}

	get compartmentCase(): CompartmentCase {
		return compartmentCaseOfView(this.oc.view, this.oc.members, this.oc.compartments);
	}

	/** Whether I coordinate the case now (and so see who is in each compartment, and open and invite). */
	/**
	 * What the list of who is in each compartment depends on: my compartments and their
	 * memberships, the case's members, whether I coordinate. The panel reloads when it changes.
	 */
	get changeKey(): string {
		return JSON.stringify([
			this.oc.compartments.map((c) => [c.id, c.membership]),
			this.oc.members.map((m) => [m.userId, m.membership]),
			this.coordinates
		]);
	}

	get coordinates(): boolean {
		const ctx = this.oc.context();
		return ctx !== null && this.api !== null && coordinatesCase(this.compartmentCase, this.oc.me, ctx.directory);
	}

	/** Whether the forms are offered: a coordinator of a case that is not closed. */
	get offersForms(): boolean {
		return this.coordinates && this.oc.view.phase !== 'closed';
	}

	/** Why opening this compartment would be refused now, or null (the domain's rule). */
	openRefusal(input: OpenCompartmentInput): Refusal | null {
		const ctx = this.oc.context();
		if (!ctx) return refusal('unavailable', 'De casus is nog niet geladen.', 'The case has not loaded yet.');
		return openCompartmentRefusal(this.compartmentCase, this.oc.me, ctx.directory, input);
	}

	/** The compartments: the pointers, my membership of each, and (for a coordinator) who is in it. */
	get rows(): { id: string; pointer: CompartmentPointer; mine: string; listed: CompartmentOut | null }[] {
		return [...this.oc.compartments]
			.sort((a, b) => a.id.localeCompare(b.id, 'en', { numeric: true }))
			.map((c) => ({
				id: c.id,
				pointer: c.pointer,
				mine: c.membership,
				listed: this.listed?.find((l) => l.id === c.id) ?? null
			}));
	}

	/** Who is in (or invited into) a compartment, as far as this client knows. */
	membersOf(id: string): string[] {
		const listed = this.listed?.find((l) => l.id === id)?.members.map((m) => m.user_id) ?? [];
		const me = this.oc.compartments.some((c) => c.id === id && (c.membership === 'join' || c.membership === 'invite'));
		return me ? [...listed, this.oc.me] : listed;
	}

	/** Reads who is in each compartment (a coordinator only; others are not asked). */
	async load(): Promise<void> {
		if (!this.coordinates) return;
		try {
			this.listed = await this.api!.compartments(this.oc.roomId);
			this.loadError = null;
		} catch (err) {
			this.loadError = asRefusal(err);
		}
	}
}
