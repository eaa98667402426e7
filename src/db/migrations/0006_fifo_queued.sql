ALTER TABLE "deliveries" ADD COLUMN "ordering_queue" text;--> statement-breakpoint
ALTER TABLE "deliveries" ADD COLUMN "queued_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "deliveries_not_yet_queued_idx" ON "deliveries" USING btree ("ordering_queue") WHERE "deliveries"."ordering_queue" is not null and "deliveries"."queued_at" is null;