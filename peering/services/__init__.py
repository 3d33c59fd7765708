"""Every write of the e-road, by sub-domain: peers and keys, what we send, what we receive."""
