-- Migration 022: Move checkout to LemonSqueezy.
-- Adds LemonSqueezy identifiers to onboarding records (nullable, filled by webhooks).

ALTER TABLE user_onboarding ADD COLUMN lemonsqueezy_customer_id TEXT;
ALTER TABLE user_onboarding ADD COLUMN lemonsqueezy_subscription_id TEXT;
ALTER TABLE user_onboarding ADD COLUMN lemonsqueezy_checkout_id TEXT;

CREATE INDEX idx_onboarding_ls_customer ON user_onboarding(lemonsqueezy_customer_id);
CREATE INDEX idx_onboarding_ls_subscription ON user_onboarding(lemonsqueezy_subscription_id);
CREATE INDEX idx_onboarding_ls_checkout ON user_onboarding(lemonsqueezy_checkout_id);
