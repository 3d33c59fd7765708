"""Which queue each kind of work, and each hub's work, goes to."""
