/**
 * The small amount of state every form shares: field errors from zod, a
 * refusal from a domain command, a busy flag, and the labels the error summary
 * links to. Components stay free of validation rules: they hand their input to
 * the domain's schema and show what comes back.
 */
import { tick } from 'svelte';
import type { z } from 'zod';
import { fieldErrors, fieldId, type FieldErrors, type Translate } from './validation.ts';
import { asRefusal, type Refusal } from '../refusal.ts';

export class FormState {
	errors = $state<FieldErrors>({});
	/** A refusal by the domain (e.g. "OM valt niet onder de grondslag"), the server or the homeserver. */
	refusal = $state.raw<Refusal | null>(null);
	busy = $state(false);
	/** Set by each Field so the error summary can name it. */
	labels: Record<string, string> = {};
	/** Incremented on each failed submit; the error summary takes focus when it changes. */
	attempt = $state(0);

	error(path: string): string | undefined {
		return this.errors[path];
	}

	/** Parses with the domain's schema; on failure, records the errors and moves focus to the summary. */
	validate<S extends z.ZodType>(schema: S, value: unknown, t: Translate, prefix = ''): z.infer<S> | null {
		const result = schema.safeParse(value);
		if (result.success) {
			this.errors = {};
			return result.data;
		}
		this.errors = fieldErrors(result.error, t, prefix);
		this.attempt++;
		return null;
	}

	/** Extra checks a form makes itself (e.g. a confirmation box); merged with the schema's. */
	fail(errors: FieldErrors): void {
		this.errors = { ...this.errors, ...errors };
		this.attempt++;
	}

	refuse(refusal: Refusal): void {
		this.refusal = refusal;
		this.attempt++;
	}

	/**
	 * A call to a server while the form shows it is busy: its answer, or null when it failed,
	 * the failure kept as the form's refusal (a server that cannot be reached included).
	 */
	async call<T>(fn: () => Promise<T>): Promise<T | null> {
		this.busy = true;
		try {
			return await fn();
		} catch (err) {
			this.refuse(asRefusal(err));
			return null;
		} finally {
			this.busy = false;
		}
	}

	reset(): void {
		this.errors = {};
		this.refusal = null;
	}

	get hasErrors(): boolean {
		return Object.keys(this.errors).length > 0;
	}

	async focusField(path: string): Promise<void> {
		await tick();
		document.getElementById(fieldId(path))?.focus();
	}
}
