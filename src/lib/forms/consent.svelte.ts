/**
 * Consent (given, refused, withdrawn) or a statutory basis. The model previews
 * what recording it would do: who loses access, or why it would be refused.
 */
import { ConsentInput, recordConsent } from '../case/commands.ts';
import { DEFAULT_PURPOSES } from '../case/defaults.ts';
import type { ConsentStatus, GivenBy, Purpose } from '../case/records.ts';
import { CaseForm, optional, type CaseHandle } from './case-form.svelte.ts';

export class ConsentForm extends CaseForm<ConsentInput> {
	status = $state<ConsentStatus>('given');
	organisations = $state<string[]>([]);
	purposes = $state<Purpose[]>([...DEFAULT_PURPOSES]);
	basisKind = $state<'consent' | 'statutory'>('consent');
	ground = $state('');
	givenBy = $state<GivenBy>('victim');
	notes = $state('');

	/** What recording this would do, or why it would be refused (null while the input is incomplete). */
	readonly preview = $derived.by(() => {
		void this.oc.members;
		const parsed = ConsentInput.safeParse(this.value());
		return parsed.success ? this.oc.preview(recordConsent, parsed.data) : null;
	});
	readonly removals = $derived(
		this.preview?.ok ? this.preview.effects.flatMap((e) => (e.kind === 'remove' ? [e.userId] : [])) : []
	);
	readonly consentBased = $derived(this.oc.view.access.filter((a) => a.basis === 'consent').map((a) => a.org));

	constructor(oc: CaseHandle) {
		super(oc);
	}

	protected schema() {
		return ConsentInput;
	}
	protected command() {
		return recordConsent;
	}
	protected value() {
		return {
			status: this.status,
			organisations: this.organisations,
			purposes: this.purposes,
			basis:
				this.status === 'given' && this.basisKind === 'statutory'
					? { kind: 'statutory', ground: this.ground || undefined }
					: { kind: 'consent' },
			given_by: this.givenBy,
			notes: optional(this.notes)
		};
	}
}
