/**
 * Inviting and removing members. The membership event carries only a reason
 * code (reasons.ts); the optional note goes into an encrypted record.
 */
import { coveredOrganisations, inviteMember, InviteInput, removeMember, RemoveInput } from '../case/commands.ts';
import type { InviteReason, RemoveReason } from '../case/reasons.ts';
import { byOrganisation, inRoom, invitable } from './options.ts';
import { CaseForm, optional, type CaseHandle } from './case-form.svelte.ts';

export class InviteForm extends CaseForm<InviteInput> {
	userId = $state('');
	reason = $state<InviteReason | ''>('');
	note = $state('');
	/** Who was invited last (for the confirmation). */
	sent = $state<string | null>(null);

	/** Everyone in the room now (joined or invited). */
	readonly inRoom = $derived(inRoom(this.oc.members));
	readonly covered = $derived(coveredOrganisations(this.oc.view));
	/** Who may be invited: active MDT members of covered organisations not in the room yet. */
	readonly candidates = $derived.by(() => {
		const directory = this.oc.context()?.directory;
		return directory ? invitable(directory, this.covered, this.inRoom) : [];
	});
	/** The candidates by organisation, for an option group per organisation. */
	readonly byOrg = $derived(byOrganisation(this.candidates));
	/** Organisations whose members cannot be invited until consent or a statutory ground is recorded. */
	readonly uncovered = $derived(
		(this.oc.context()?.directory.organisations ?? []).filter((o) => !this.covered.has(o.code))
	);

	constructor(oc: CaseHandle) {
		super(oc);
	}

	protected schema() {
		return InviteInput;
	}
	protected command() {
		return inviteMember;
	}
	protected value() {
		this.sent = null;
		return { userId: this.userId, reason: this.reason || undefined, note: optional(this.note) };
	}
	protected override done(input: InviteInput) {
		this.sent = input.userId;
		this.userId = '';
		this.reason = '';
		this.note = '';
	}
}

export class RemoveForm extends CaseForm<RemoveInput> {
	/** Whose removal is being confirmed; null when the form is closed. */
	removing = $state<string | null>(null);
	reason = $state<RemoveReason | ''>('');
	note = $state('');
	protected override readonly prefix = 'remove';

	constructor(oc: CaseHandle) {
		super(oc);
	}

	/** Whether the page offers removing this member (not oneself, not the regiehouder or deputy). */
	removable(userId: string): boolean {
		const { regiehouder, deputy } = this.oc.view.regie;
		return userId !== this.oc.me && userId !== regiehouder && userId !== deputy;
	}

	start(userId: string): void {
		this.form.reset();
		this.removing = userId;
		this.reason = '';
		this.note = '';
	}

	cancel(): void {
		this.removing = null;
	}

	protected schema() {
		return RemoveInput;
	}
	protected command() {
		return removeMember;
	}
	protected value() {
		return { userId: this.removing, reason: this.reason || undefined, note: optional(this.note) };
	}
	protected override done() {
		this.removing = null;
		this.reason = '';
		this.note = '';
	}
}
