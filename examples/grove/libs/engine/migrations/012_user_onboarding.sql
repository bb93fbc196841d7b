-- Migration 012: Signup onboarding state, from first sign-in to a planted tenant.

CREATE TABLE user_onboarding (
  id TEXT PRIMARY KEY,
  groveauth_id TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  display_name TEXT,
  username TEXT,
  favorite_color TEXT,
  interests TEXT NOT NULL DEFAULT '[]',
  plan_selected TEXT CHECK (plan_selected IN ('seedling', 'sapling', 'oak', 'evergreen')),
  plan_billing_cycle TEXT CHECK (plan_billing_cycle IN ('monthly', 'yearly')),
  stripe_customer_id TEXT,
  stripe_subscription_id TEXT,
  stripe_checkout_session_id TEXT,
  payment_completed_at INTEGER,
  tenant_id TEXT REFERENCES tenants(id) ON DELETE SET NULL,
  tenant_created_at INTEGER,
  tour_completed INTEGER NOT NULL DEFAULT 0 CHECK (tour_completed IN (0, 1)),
  created_at INTEGER NOT NULL DEFAULT (unixepoch()),
  updated_at INTEGER NOT NULL DEFAULT (unixepoch())
);

CREATE INDEX idx_onboarding_email ON user_onboarding(lower(email));
CREATE UNIQUE INDEX idx_onboarding_username ON user_onboarding(username) WHERE username IS NOT NULL;
CREATE INDEX idx_onboarding_stripe_customer ON user_onboarding(stripe_customer_id);
CREATE INDEX idx_onboarding_tenant ON user_onboarding(tenant_id);
