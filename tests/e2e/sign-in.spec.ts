import { test, expect, signIn, expectAccessible } from './fixtures.ts';

test('the sign-in page loads, is accessible and refuses a wrong password', async ({ page, env }) => {
	await page.goto(env.appUrl);
	await expect(page).toHaveURL(/\/login$/);
	await expect(page.getByRole('heading', { name: 'Aanmelden' })).toBeVisible();
	await expectAccessible(page, 'login');
	await page.getByLabel('Gebruikersnaam').fill('e2e.csg');
	await page.getByLabel('Wachtwoord').fill('Not-The-Password-1');
	await page.getByRole('button', { name: 'Aanmelden' }).click();
	await expect(page.getByRole('alert')).toContainText('gebruikersnaam of wachtwoord klopt niet');
});

test('a provisioned user signs in against the real homeserver and sees an empty case list', async ({ page, env }) => {
	await signIn(page, env, 'e2e.vt');
	await expect(page.getByRole('heading', { name: 'Mijn casussen' })).toBeVisible();
	await expect(page.getByTestId('cases-empty')).toBeVisible({ timeout: 60_000 });
	await expectAccessible(page, 'cases');
});

test('the app sends a strict Content Security Policy and security headers', async ({ request, env }) => {
	const res = await request.get(`${env.appUrl}/login`);
	const csp = res.headers()['content-security-policy'] ?? '';
	expect(csp).toContain("default-src 'self'");
	expect(csp).toContain("'wasm-unsafe-eval'");
	expect(csp).toContain("frame-ancestors 'none'");
	expect(csp).not.toContain("'unsafe-eval'");
	expect(csp).toMatch(/connect-src 'self' http:\/\/localhost:\d+/);
	expect(res.headers()['x-content-type-options']).toBe('nosniff');
	expect(res.headers()['referrer-policy']).toBe('no-referrer');
});
