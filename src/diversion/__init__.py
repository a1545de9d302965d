"""Diversion: out-of-court resolution interventions, from the police decision to the result."""
