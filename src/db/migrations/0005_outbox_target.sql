ALTER TABLE "ingress_outbox" ADD COLUMN "temporal_namespace" text DEFAULT 'default' NOT NULL;--> statement-breakpoint
ALTER TABLE "ingress_outbox" ADD COLUMN "task_queue" text DEFAULT 'hookflow' NOT NULL;--> statement-breakpoint
CREATE INDEX "ingress_outbox_target_received_idx" ON "ingress_outbox" USING btree ("temporal_namespace","task_queue","received_at","id");