"""The workflow: states, transition tables, guards and the one door, engine.apply()."""
