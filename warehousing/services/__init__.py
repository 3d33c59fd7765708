"""Every write of the warehousing app, by sub-domain."""
