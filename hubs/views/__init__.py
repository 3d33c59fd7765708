"""Portal pages of the hubs app, by sub-domain: validate, call services/selectors, render."""
