"""Business-district coverage pages and API (the rule itself is crm.campaigns.coverage)."""
