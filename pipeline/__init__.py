"""The journey of a cross-border order (DESIGN.md): handlers that react to domain events
delivered by the outbox and call the next app's services with plain data. It is the one
place, besides analytics, where domain apps meet."""
