/**
 * Where a record goes (issue 13): the author sees the default place of the record
 * (the shared part of the case, or a compartment, by record kind and triage domain:
 * src/lib/case/compartments.ts) and may narrow it to a compartment they are in
 * before sending, never widen it. Pure model; the page shows a choice list.
 */
import { defaultLocation, locationChoices, type Location } from '../case/compartments.ts';
import type { Domain } from '../case/records.ts';

export interface LocationSource {
	readonly mine?: readonly string[];
}

export class LocationChoice {
	/** The place chosen now; starts at the default. */
	value = $state<Location>('shared');
	private readonly domain: Domain | undefined;

	constructor(
		private readonly oc: LocationSource,
		private readonly recordType: string,
		domain?: Domain
	) {
		this.domain = domain;
		this.value = this.default;
	}

	/** The default place for this record, given the compartments the author is in. */
	get default(): Location {
		return defaultLocation(this.recordType, { domain: this.domain, mine: this.oc.mine ?? [] });
	}

	/** What the author may choose: the default, or narrower. */
	get options(): Location[] {
		return locationChoices(this.default, this.oc.mine ?? []);
	}

	/** Whether there is a choice at all (a case without compartments, or the author in none: no). */
	get offered(): boolean {
		return this.options.length > 1;
	}
}
