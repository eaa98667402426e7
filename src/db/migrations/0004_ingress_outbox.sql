CREATE TABLE "ingress_outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"source_id" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"payload_sha256" text NOT NULL,
	"headers" jsonb NOT NULL,
	"trace_id" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"claimed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "ingress_outbox_source_key_uq" ON "ingress_outbox" USING btree ("source_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "ingress_outbox_received_idx" ON "ingress_outbox" USING btree ("received_at","id");