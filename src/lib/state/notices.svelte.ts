/**
 * Messages for the user that outlive a page: a case that is no longer
 * available, a device verified elsewhere. Shown by the layout; dismissible.
 */
export interface Notice {
	id: number;
	kind: 'info' | 'warning';
	/** An i18n key and its values, so the notice follows the language switch. */
	key: string;
	values?: Record<string, string | number>;
}

class Notices {
	list = $state<Notice[]>([]);
	private next = 1;

	push(kind: Notice['kind'], key: string, values?: Notice['values']): void {
		this.list.push({ id: this.next++, kind, key, values });
	}

	dismiss(id: number): void {
		this.list = this.list.filter((n) => n.id !== id);
	}

	clear(): void {
		this.list = [];
	}
}

export const notices = new Notices();
