ALTER TABLE "subscriptions" ADD COLUMN "retry_policy" jsonb;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "max_in_flight" integer;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "ordering" text DEFAULT 'none' NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "ordering_key" jsonb;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "on_dead_letter" text DEFAULT 'block' NOT NULL;