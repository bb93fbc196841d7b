import type { PulseBuffer } from './buffer';

export interface Env {
	DB: D1Database;
	/** The curios database of the split (database-consolidation-architecture.md, Phase 3). */
	PULSE_BUFFER: DurableObjectNamespace<PulseBuffer>;
	GITHUB_WEBHOOK_SECRET: string;
}

export interface PulseEventInput {
	id: string;
	tenantId: string;
	deliveryId: string;
	eventType: string;
	action: string | null;
	repoName: string;
	repoFullName: string;
	actor: string | null;
	title: string | null;
	ref: string | null;
	data: Record<string, unknown>;
	occurredAt: number;
}
