"""Every write of the hubs app, by sub-domain: network, organizations, kyc, catalogue,
imports, orders."""
