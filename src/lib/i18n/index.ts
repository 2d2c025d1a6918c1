/**
 * Interface language: Dutch first, English second, through svelte-i18n (ICU
 * message format). Components use `$_('key')`; nothing else translates.
 */
import { addMessages, init, locale, _ } from 'svelte-i18n';
import { get } from 'svelte/store';
import nl from './nl.json';
import en from './en.json';

export const LOCALES = [
	{ code: 'nl', label: 'Nederlands' },
	{ code: 'en', label: 'English' }
] as const;
export type LocaleCode = (typeof LOCALES)[number]['code'];

const STORAGE_KEY = 'casusruimte.locale';

addMessages('nl', nl);
addMessages('en', en);

function initialLocale(): LocaleCode {
	if (typeof localStorage !== 'undefined') {
		const saved = localStorage.getItem(STORAGE_KEY);
		if (saved === 'nl' || saved === 'en') return saved;
	}
	// Dutch is the default even on an English browser: it is the working language.
	return 'nl';
}

init({ fallbackLocale: 'nl', initialLocale: initialLocale() });

export function setLocale(code: LocaleCode): void {
	locale.set(code);
	if (typeof localStorage !== 'undefined') localStorage.setItem(STORAGE_KEY, code);
	if (typeof document !== 'undefined') document.documentElement.lang = code;
}

export function currentLocale(): LocaleCode {
	return get(locale) === 'en' ? 'en' : 'nl';
}

export { _, locale };
