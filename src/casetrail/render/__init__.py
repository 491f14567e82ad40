"""The only place evidence text is turned into output: every escape for every medium lives here."""
