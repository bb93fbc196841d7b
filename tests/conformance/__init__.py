"""The conformance suite: grove-schema's rules against real local D1 (wrangler + workerd)."""
