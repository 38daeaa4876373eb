"""The built-in scenarios: TOML files shipped with the package (found with importlib.resources)."""
