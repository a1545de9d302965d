"""Small pieces shared by several apps (no models)."""
