DROP INDEX "dead_letters_workflow_uq";--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "replay_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_delivery_uq" ON "dead_letters" USING btree ("delivery_id") WHERE "dead_letters"."delivery_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_processing_uq" ON "dead_letters" USING btree ("event_id") WHERE "dead_letters"."stage" = 'processing';--> statement-breakpoint
CREATE INDEX "dead_letters_workflow_idx" ON "dead_letters" USING btree ("workflow_id");