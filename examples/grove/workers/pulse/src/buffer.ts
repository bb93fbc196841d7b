import { DurableObject } from 'cloudflare:workers';
import type { Env, PulseEventInput } from './env';

const FLUSH_DELAY_MS = 10_000;

/**
 * One per tenant: absorbs bursts of webhook deliveries (a force-push can send dozens) and writes
 * them to D1 in one batch. D1 stays the source of truth; the buffer only holds unflushed events.
 */
export class PulseBuffer extends DurableObject<Env> {
	async fetch(request: Request): Promise<Response> {
		const event = (await request.json()) as PulseEventInput;
		await this.ctx.storage.put(`event:${event.deliveryId}`, event);
		if ((await this.ctx.storage.getAlarm()) === null) {
			await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
		}
		return new Response(null, { status: 202 });
	}

	async alarm(): Promise<void> {
		const pending = await this.ctx.storage.list<PulseEventInput>({ prefix: 'event:' });
		if (pending.size === 0) return;

		const insert = this.env.DB.prepare(
			`INSERT OR IGNORE INTO pulse_events
			   (id, tenant_id, delivery_id, event_type, action, repo_name, repo_full_name, actor, title, ref, data, occurred_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
		);
		await this.env.DB.batch(
			[...pending.values()].map((event) =>
				insert.bind(
					event.id,
					event.tenantId,
					event.deliveryId,
					event.eventType,
					event.action,
					event.repoName,
					event.repoFullName,
					event.actor,
					event.title,
					event.ref,
					JSON.stringify(event.data),
					event.occurredAt
				)
			)
		);
		await this.ctx.storage.delete([...pending.keys()]);
	}
}
