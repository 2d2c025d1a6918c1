/**
 * Working through a bad connection: the offline banner, a message sent while
 * offline that goes out once when the connection is back, and a send that was
 * still queued when the page was reloaded, which survives the reload and goes
 * out exactly once.
 */
import { randomBytes } from 'node:crypto';
import { test, expect, openAs, snap, expectAccessible, expectCaseOpen } from './fixtures.ts';

test.setTimeout(240_000);

test('offline and reload: queued sends survive and go out exactly once', async ({ browser, env }, testInfo) => {
	const marker = randomBytes(3).toString('hex');
	const [writer, reader] = await Promise.all([openAs(browser, env, 'e2e.off.csg'), openAs(browser, env, 'e2e.off.vt')]);
	const w = writer.page;
	const r = reader.page;

	// A case with the two of them.
	await w.getByRole('navigation', { name: 'Hoofdmenu' }).getByRole('link', { name: 'Nieuwe casus' }).click();
	await w.getByLabel('Naam').first().fill(`Naam ${marker}`);
	await w.getByLabel('Het verhaal bij het eerste contact').fill('Verhaal.');
	await w.getByLabel('Korte samenvatting voor het MDT').fill('Melding voor het MDT.');
	await w.getByTestId('access-VT').check();
	await w.getByLabel('Daan Lezer').check();
	await w.getByLabel('Reden van uitnodiging').selectOption('mdt-triage');
	await w.getByRole('button', { name: 'Casus openen' }).click();
	await expect(w).toHaveURL(/\/cases\/!/, { timeout: 60_000 });
	const reference = (await w.getByTestId('case-reference').textContent())!.trim();
	const caseUrl = w.url();
	await r.goto(caseUrl);
	await r.getByRole('button', { name: 'Uitnodiging aannemen' }).click();
	await expectCaseOpen(r, reference);
	await expect(r.getByTestId('intake-name')).toHaveText(`Naam ${marker}`, { timeout: 60_000 });

	await test.step('offline: the banner says so, and a message waits on the device', async () => {
		await writer.context.setOffline(true);
		await expect(w.getByTestId('offline-banner')).toContainText('Geen verbinding', { timeout: 30_000 });
		await w.getByLabel('Bericht aan het team').fill(`Offline ${marker}`);
		await w.getByRole('button', { name: 'Versturen' }).click();
		const pending = w.getByTestId('timeline-entry').filter({ hasText: `Offline ${marker}` });
		await expect(pending.getByTestId('pending')).toBeVisible();
		await expect(w.getByTestId('offline-banner')).toContainText('1 wijziging wacht op verzending');
		await expectAccessible(w, 'offline');
		await snap(w, testInfo, 'offline with a queued message');
	});

	await test.step('back online: it goes out, once', async () => {
		await writer.context.setOffline(false);
		await expect(r.getByText(`Offline ${marker}`)).toBeVisible({ timeout: 60_000 });
		await expect(w.getByTestId('offline-banner')).toHaveCount(0, { timeout: 60_000 });
		await expect(
			w
				.getByTestId('timeline-entry')
				.filter({ hasText: `Offline ${marker}` })
				.getByTestId('pending')
		).toHaveCount(0, { timeout: 60_000 });
		await r.waitForTimeout(2_000);
		await expect(r.getByText(`Offline ${marker}`)).toHaveCount(1);
		await expect(w.getByText(`Offline ${marker}`)).toHaveCount(1);
	});

	await test.step('a send still queued when the page reloads survives the reload and goes out once', async () => {
		const blocked = '**/_matrix/client/*/rooms/*/send/**';
		await w.route(blocked, (route) => route.abort('internetdisconnected'));
		await w.getByLabel('Bericht aan het team').fill(`Herladen ${marker}`);
		await w.getByRole('button', { name: 'Versturen' }).click();
		await expect(
			w
				.getByTestId('timeline-entry')
				.filter({ hasText: `Herladen ${marker}` })
				.getByTestId('pending')
		).toBeVisible();
		await w.waitForTimeout(1_000); // at least one attempt has failed
		await w.reload();
		await expectCaseOpen(w, reference);
		await expect(
			w
				.getByTestId('timeline-entry')
				.filter({ hasText: `Herladen ${marker}` })
				.getByTestId('pending')
		).toBeVisible({ timeout: 60_000 });
		await snap(w, testInfo, 'queued message after reload');
		await w.unroute(blocked);
		await expect(r.getByText(`Herladen ${marker}`)).toBeVisible({ timeout: 60_000 });
		await expect(
			w
				.getByTestId('timeline-entry')
				.filter({ hasText: `Herladen ${marker}` })
				.getByTestId('pending')
		).toHaveCount(0, { timeout: 60_000 });
		await r.waitForTimeout(2_000);
		await expect(r.getByText(`Herladen ${marker}`)).toHaveCount(1);
		await expect(w.getByText(`Herladen ${marker}`)).toHaveCount(1);
	});

	await test.step('the reader, reloading too, still sees each message once', async () => {
		await r.reload();
		await expectCaseOpen(r, reference);
		await expect(r.getByText(`Herladen ${marker}`)).toHaveCount(1, { timeout: 60_000 });
		await expect(r.getByText(`Offline ${marker}`)).toHaveCount(1);
	});

	await writer.context.close();
	await reader.context.close();
});
