"""Portal forms of the hubs app, by sub-domain."""
