"""Portal pages of the warehousing app, by who works them: the seller's stock and inbound
shipments, the hub operators' warehouse floor, the customs officers' bonded ledger."""
