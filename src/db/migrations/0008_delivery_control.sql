ALTER TABLE "delivery_attempts" ADD COLUMN "body_bytes" integer;--> statement-breakpoint
ALTER TABLE "delivery_attempts" ADD COLUMN "body_sha256" text;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "filtered_out" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "filter" jsonb;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "transform" text;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "paused_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "circuit_breaker" jsonb;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "circuit_opened_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD COLUMN "circuit_next_probe_at" timestamp with time zone;